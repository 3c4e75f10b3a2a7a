package com.bmsjit.keycloak.events;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.keycloak.Config;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

public class BmsEventListenerProviderFactory implements EventListenerProviderFactory {

    public static final String PROVIDER_ID = "bms-provisioning";
    private ScheduledThreadPoolExecutor executor;
    private RetryingSender sender;

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new BmsEventListenerProvider(session, sender);
    }

    @Override
    public void init(Config.Scope config) {
        AtomicInteger n = new AtomicInteger();
        executor = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "bms-webhook-sender-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // at shutdown, retries still waiting are dropped (the bridge's sweep heals them), not awaited
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        sender = RetryingSender.on(executor);
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
