package com.bmsjit.keycloak.mappers;

import java.util.List;

import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** The BMS employee fields a defaults mapper sets and a rule may override; each a BMS name or id. */
public final class BmsFields {

    public static final List<String[]> FIELDS = List.of(
            new String[] {"bms.account", "Account", "The BMS account (customer) the employee is attached to."},
            new String[] {"bms.department", "Department", "BMS department."},
            new String[] {"bms.location", "Location", "BMS company location."},
            new String[] {"bms.manager", "Manager", "BMS employee who manages the new employee."},
            new String[] {"bms.job.title", "Job title", "BMS job title."},
            new String[] {"bms.employment.type", "Employment type", "BMS employment type (e.g. Full Time)."},
            new String[] {"bms.security.role", "Security role", "BMS security role: what the employee may do in BMS."},
            new String[] {"bms.employee.role", "Employee role", "BMS employee (billing) role."});
    /** The fields a new BMS employee cannot do without (all but the manager): the defaults and each provision rule together must set them. */
    public static final List<String> REQUIRED = List.of("bms.account", "bms.department", "bms.location", "bms.job.title", "bms.employment.type",
            "bms.security.role", "bms.employee.role");

    private BmsFields() {
    }

    /** The console properties for the fields, with a help text saying names and ids both work. */
    static ProviderConfigurationBuilder add(ProviderConfigurationBuilder builder, String helpSuffix) {
        for (String[] field : FIELDS) {
            builder.property().name(field[0]).label(field[1]).type(ProviderConfigProperty.STRING_TYPE)
                    .helpText(field[2] + " A name as BMS shows it (case and spacing do not matter) or its numeric id." + helpSuffix).add();
        }
        return builder;
    }
}
