package com.bmsjit.keycloak.writeback;

import java.util.Map;

import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.managers.RealmManager;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminRoot;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;
import org.keycloak.services.resources.admin.fgap.AdminPermissions;
import org.keycloak.storage.ReadOnlyException;

import com.bmsjit.keycloak.provisioning.UserAttributes;

/**
 * {@code PUT /realms/{realm}/bms-provisioning/users/{userId}/employee-id}: the bridge records which BMS employee a
 * user is linked to. The caller authenticates as for the admin API (a bearer access token of this realm, or of the
 * master realm) and needs permission to manage that user (realm-management {@code manage-users}, or fine-grained
 * admin permissions), checked by Keycloak's own admin permission evaluator.
 *
 * <p>It sets the one attribute {@code bms_employee_id} on the user model directly: nothing else on the user changes,
 * the user profile (which declares the attribute admin-only, and may find fault with other attributes) is not run, and
 * no admin event is fired, so the BMS event listener sends no webhook for the bridge's own write.</p>
 */
public class EmployeeIdResource {

    public static final String ATTRIBUTE = UserAttributes.EMPLOYEE_ID;
    private static final Logger LOG = Logger.getLogger(EmployeeIdResource.class);

    private final KeycloakSession session;

    public EmployeeIdResource(KeycloakSession session) {
        this.session = session;
    }

    @PUT
    @Path("users/{userId}/employee-id")
    @Produces(MediaType.APPLICATION_JSON)
    public Response setEmployeeId(@PathParam("userId") String userId, String body) {
        RealmModel realm = session.getContext().getRealm();
        AdminAuth auth;
        try {
            auth = AdminRoot.authenticateRealmAdminRequest(session);
        } catch (NotAuthorizedException e) {
            return error(Response.Status.UNAUTHORIZED, "A valid bearer access token is required.");
        } catch (RuntimeException e) {
            // a token Keycloak cannot even read (no issuer, …): not authenticated either
            LOG.debugf("BMS employee id write: unreadable token (%s)", e.getClass().getSimpleName());
            return error(Response.Status.UNAUTHORIZED, "A valid bearer access token is required.");
        } finally {
            session.getContext().setRealm(realm); // authenticating switches the context to the token's realm
        }
        if (!RealmManager.isAdministrationRealm(auth.getRealm()) && !auth.getRealm().equals(realm)) {
            return error(Response.Status.FORBIDDEN, "The token is from another realm.");
        }
        AdminPermissionEvaluator permissions = AdminPermissions.evaluator(session, realm, auth);
        UserModel user = session.users().getUserById(realm, userId);
        if (user == null) {
            // as the admin API: someone who may not query users learns nothing about which ids exist
            return permissions.users().canQuery()
                    ? error(Response.Status.NOT_FOUND, "User not found.")
                    : error(Response.Status.FORBIDDEN, "Not allowed to manage users.");
        }
        if (!permissions.users().canManage(user)) {
            return error(Response.Status.FORBIDDEN, "Not allowed to manage this user.");
        }
        EmployeeIdBody.Parsed parsed = EmployeeIdBody.parse(body);
        if (!parsed.ok()) {
            return error(Response.Status.BAD_REQUEST, parsed.problem());
        }
        String before = user.getFirstAttribute(ATTRIBUTE);
        String after = parsed.employeeId();
        try {
            if (after == null) {
                if (before != null) {
                    user.removeAttribute(ATTRIBUTE);
                }
            } else if (!after.equals(before) || user.getAttributeStream(ATTRIBUTE).count() != 1) {
                user.setSingleAttribute(ATTRIBUTE, after);
            }
        } catch (ReadOnlyException e) {
            return error(Response.Status.CONFLICT, "The user's storage does not allow changing " + ATTRIBUTE + ".");
        }
        LOG.infof("BMS employee id of user %s in realm %s: %s -> %s (by %s)", user.getId(), realm.getName(),
                before == null ? "none" : before, after == null ? "none" : after, caller(auth));
        return Response.noContent().build();
    }

    private static String caller(AdminAuth auth) {
        if (auth.getClient() != null && auth.getUser() != null && auth.getUser().getServiceAccountClientLink() != null) {
            return "client " + auth.getClient().getClientId();
        }
        return auth.getUser() == null ? "unknown" : "user " + auth.getUser().getId();
    }

    private static Response error(Response.Status status, String message) {
        Response.ResponseBuilder response = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("error", message));
        if (status == Response.Status.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return response.build();
    }
}
