package com.bmsjit.keycloak.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.keycloak.events.EventType;

class UserEventTypesTest {

    @Test
    void theUserEventsThatMatterMapToTheContractsTypes() {
        assertEquals("user.deleted", BmsEventListenerProvider.userEventType(EventType.DELETE_ACCOUNT));
        assertEquals("user.updated", BmsEventListenerProvider.userEventType(EventType.UPDATE_PROFILE));
        assertEquals("user.updated", BmsEventListenerProvider.userEventType(EventType.UPDATE_EMAIL));
        assertEquals("user.disabled", BmsEventListenerProvider.userEventType(EventType.USER_DISABLED_BY_PERMANENT_LOCKOUT));
    }

    @Test
    void everyOtherUserEventIsIgnored() {
        Set<EventType> mapped = EnumSet.of(EventType.DELETE_ACCOUNT, EventType.UPDATE_PROFILE, EventType.UPDATE_EMAIL,
                EventType.USER_DISABLED_BY_PERMANENT_LOCKOUT);
        for (EventType type : EventType.values()) {
            if (!mapped.contains(type)) {
                assertNull(BmsEventListenerProvider.userEventType(type), type.name());
            }
        }
        assertNull(BmsEventListenerProvider.userEventType(null));
    }
}
