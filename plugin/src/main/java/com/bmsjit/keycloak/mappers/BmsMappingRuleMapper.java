package com.bmsjit.keycloak.mappers;

import java.util.List;

import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * "BMS mapping rule": BMS's Mapping Rules kept in Keycloak. Matches on AD domain, security group and/or user; the
 * lowest order among matching rules wins and its values override the defaults, or it denies. Read by the bridge.
 */
public class BmsMappingRuleMapper extends AbstractBmsMapper {

    public static final String PROVIDER_ID = "bms-mapping-rule";
    public static final String ORDER = "bms.order";
    public static final String MATCH_DOMAIN = "bms.match.domain";
    public static final String MATCH_GROUP = "bms.match.group";
    public static final String MATCH_USER = "bms.match.user";
    public static final String EFFECT = "bms.effect";
    public static final String EFFECT_PROVISION = "provision";
    public static final String EFFECT_DENY = "deny";

    private static final List<ProviderConfigProperty> CONFIG = BmsFields.add(ProviderConfigurationBuilder.create()
                    .property().name(ORDER).label("Order").type(ProviderConfigProperty.STRING_TYPE)
                    .helpText("A whole number. Among the rules that match a user, the lowest order wins. Two rules of one identity provider cannot share an order.").add()
                    .property().name(MATCH_DOMAIN).label("Match AD domain").type(ProviderConfigProperty.STRING_TYPE)
                    .helpText("The user's AD domain (e.g. contoso.com), compared ignoring case. Empty: any domain.").add()
                    .property().name(MATCH_GROUP).label("Match security group").type(ProviderConfigProperty.STRING_TYPE)
                    .helpText("An AD security group name (e.g. BMS-Techs), compared ignoring case; a group sent as a distinguished name matches its CN. Empty: any group.").add()
                    .property().name(MATCH_USER).label("Match user").type(ProviderConfigProperty.STRING_TYPE)
                    .helpText("One user's UPN or e-mail, compared ignoring case. Empty: any user. At least one match condition is required.").add()
                    .property().name(EFFECT).label("Effect").type(ProviderConfigProperty.LIST_TYPE)
                    .options(EFFECT_PROVISION, EFFECT_DENY).defaultValue(EFFECT_PROVISION)
                    .helpText("provision: create the employee with the values below over the defaults. deny: the user gets no BMS employee.").add(),
            " Empty: the default applies.").build();

    @Override
    public String getDisplayType() {
        return "BMS mapping rule";
    }

    @Override
    public String getHelpText() {
        return "Maps an AD domain, security group and/or user to BMS employee values, or denies them BMS. Lowest order wins. "
                + "Read by the BMS provisioning bridge; it does not change users during login.";
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
