package com.bmsjit.keycloak.mappers;

import java.util.List;

import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * "BMS employee defaults": the values every provisioned employee gets (BMS's Employee Defaults), and what happens
 * when no rule matches. A home for configuration that the bridge reads; it never changes a user during login.
 */
public class BmsEmployeeDefaultsMapper extends AbstractBmsMapper {

    public static final String PROVIDER_ID = "bms-employee-defaults";
    public static final String NO_MATCH_POLICY = "bms.no.match.policy";
    public static final String POLICY_DENY = "deny";
    public static final String POLICY_DEFAULTS = "defaults";

    /** Which employee fields the bridge keeps equal to the directory; stored as Keycloak stores a multivalued list. */
    public static final String SYNC_FIELDS = "bms.sync.fields";
    public static final String LIST_DELIMITER = "##";
    /** The one choice that says "keep nothing in sync" (an empty list means the default, as Keycloak stores a cleared list). */
    public static final String SYNC_NONE = "none";
    public static final List<String> SYNC_FIELD_OPTIONS = List.of("names", "email", "userName", "account", "department", "location",
            "manager", "jobTitle", "employmentType", "securityRole", "employeeRole", "active", SYNC_NONE);
    public static final String SYNC_FIELDS_DEFAULT = String.join(LIST_DELIMITER, "names", "email", "securityRole", "active");

    /** NetBIOS ↔ DNS domain pairs AD's naming does not give away, stored as {@code NETBIOS=dns.domain##…}. */
    public static final String DOMAIN_PAIRS = "bms.domain.pairs";

    /** What happens when the employee found by e-mail is inactive. */
    public static final String REHIRE_POLICY = "bms.rehire.policy";
    public static final String REHIRE_REACTIVATE = "reactivate";
    public static final String REHIRE_DENY = "deny";

    private static final List<ProviderConfigProperty> CONFIG = BmsFields.add(ProviderConfigurationBuilder.create(), "")
            .property().name(NO_MATCH_POLICY).label("When no rule matches").type(ProviderConfigProperty.LIST_TYPE)
            .options(POLICY_DENY, POLICY_DEFAULTS).defaultValue(POLICY_DENY)
            .helpText("deny: a user no rule matches gets no BMS employee (and no paid seat). defaults: provision them with these defaults.").add()
            .property().name(SYNC_FIELDS).label("Keep in sync with the directory").type(ProviderConfigProperty.MULTIVALUED_LIST_TYPE)
            .options(SYNC_FIELD_OPTIONS).defaultValue(SYNC_FIELDS_DEFAULT)
            .helpText("The employee fields the bridge keeps equal to the directory and the rules: a listed field is set when the employee is "
                    + "created and corrected whenever it differs later (always); a field not listed is set only when the employee is created, "
                    + "and changes made in BMS are kept (create only). names: first and last name; userName: the BMS user name. "
                    + "active: deactivate an employee whose user no longer qualifies (a deny rule matches, or no rule matches under the deny "
                    + "policy) and reactivate one who qualifies again; without it, employees are only deactivated when their user is disabled or "
                    + "deleted. none (alone): every field is create only. Default: names, email, securityRole, active.").add()
            .property().name(REHIRE_POLICY).label("Rehire").type(ProviderConfigProperty.LIST_TYPE)
            .options(REHIRE_REACTIVATE, REHIRE_DENY).defaultValue(REHIRE_REACTIVATE)
            .helpText("What happens when a user is provisioned and BMS already has an inactive employee with the user's e-mail (a rehire). reactivate: link the "
                    + "user to that employee, reactivate it and update its fields. deny: leave the employee alone and refuse the sign-in with a "
                    + "message; an administrator reactivates or removes the employee in BMS.").add()
            .property().name(DOMAIN_PAIRS).label("NetBIOS and DNS domain pairs").type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Only where a domain's NetBIOS name is not the first label of its DNS name: one pair per value, NETBIOS=dns.domain "
                    + "(for example CORP=contoso.com). A rule's AD domain in either form then matches users whose Domain attribute, UPN or "
                    + "e-mail uses the other. FABRIKAM and fabrikam.com pair without an entry.").add()
            .build();

    @Override
    public String getDisplayType() {
        return "BMS employee defaults";
    }

    @Override
    public String getHelpText() {
        return "The BMS values every provisioned employee gets unless a BMS mapping rule overrides them, and the policy when no rule matches. "
                + "One per identity provider. Read by the BMS provisioning bridge; it does not change users during login.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
