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

    private static final List<ProviderConfigProperty> CONFIG = BmsFields.add(ProviderConfigurationBuilder.create(), "")
            .property().name(NO_MATCH_POLICY).label("When no rule matches").type(ProviderConfigProperty.LIST_TYPE)
            .options(POLICY_DENY, POLICY_DEFAULTS).defaultValue(POLICY_DENY)
            .helpText("deny: a user no rule matches gets no BMS employee (and no paid seat). defaults: provision them with these defaults.").add()
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
