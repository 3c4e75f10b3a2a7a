package com.bmsjit.keycloak.events;

import jakarta.ws.rs.core.Response;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.ErrorResponse;

/**
 * Refuses an admin's change from inside its own transaction: Keycloak 26.7 has no save-time hook for some of what the
 * plugin must keep valid (identity-provider mappers; a required action updated without its settings), but admin events
 * reach listeners before the transaction commits. A participant enlisted for the prepare phase fails the commit, so
 * nothing is stored and the admin gets 400 with the message.
 */
final class AdminRefusal {

    private AdminRefusal() {
    }

    static void refuse(KeycloakSession session, String message) {
        session.getTransactionManager().enlistPrepare(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                throw ErrorResponse.error(message, Response.Status.BAD_REQUEST);
            }

            @Override
            protected void rollbackImpl() {
            }
        });
    }
}
