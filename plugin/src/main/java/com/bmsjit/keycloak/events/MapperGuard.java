package com.bmsjit.keycloak.events;

import java.util.List;

import org.jboss.logging.Logger;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.KeycloakSession;

import com.bmsjit.keycloak.mappers.MapperRules;

/**
 * Save-time validation of BMS mappers. Keycloak 26.7 has no validation hook for identity-provider mappers, so the
 * check runs when the admin event is emitted, still inside the admin's transaction, and an invalid mapper makes
 * that transaction fail before it commits ({@link AdminRefusal}): nothing is stored, and the admin gets the problem.
 */
final class MapperGuard {

    private static final Logger LOG = Logger.getLogger(MapperGuard.class);

    private MapperGuard() {
    }

    static void check(KeycloakSession session, AdminEvent event) {
        if (event.getResourceType() != ResourceType.IDENTITY_PROVIDER_MAPPER
                || (event.getOperationType() != OperationType.CREATE && event.getOperationType() != OperationType.UPDATE)) {
            return;
        }
        String[] parts = event.getResourcePath() == null ? new String[0] : event.getResourcePath().split("/");
        if (parts.length != 5) {
            return;
        }
        IdentityProviderMapperModel model = session.identityProviders().getMapperById(parts[4]);
        if (model == null) {
            return;
        }
        List<MapperRules.Mapper> others = session.identityProviders().getMappersByAliasStream(model.getIdentityProviderAlias())
                .map(MapperGuard::of).toList();
        List<String> problems = MapperRules.problems(of(model), others);
        if (problems.isEmpty()) {
            return;
        }
        String message = "BMS mapper '" + model.getName() + "' not saved: " + String.join(" ", problems);
        LOG.info(message);
        AdminRefusal.refuse(session, message);
    }

    private static MapperRules.Mapper of(IdentityProviderMapperModel m) {
        return new MapperRules.Mapper(m.getId(), m.getName(), m.getIdentityProviderMapper(), m.getConfig());
    }
}
