package com.bmsjit.keycloak.broker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * Decides which of the attributes a login needs the identity provider did not send.
 * Kept free of Keycloak types so the rule is testable without a server.
 */
public final class MissingAttributes {

    private MissingAttributes() {
    }

    /**
     * @param required attribute names, e.g. {@code email} or {@code upn}; blank entries are ignored
     * @param valuesOf the values the identity provider sent for a name (null or empty when none)
     * @return the required names with no non-blank value, in the order given
     */
    public static List<String> find(Collection<String> required, Function<String, Collection<String>> valuesOf) {
        List<String> missing = new ArrayList<>();
        for (String name : required) {
            if (name == null || name.isBlank()) {
                continue;
            }
            String trimmed = name.trim();
            if (!hasValue(valuesOf.apply(trimmed))) {
                missing.add(trimmed);
            }
        }
        return missing;
    }

    /** Splits the console's "##"-separated multivalued string into names. */
    public static List<String> parseNames(String configValue) {
        List<String> names = new ArrayList<>();
        if (configValue == null) {
            return names;
        }
        for (String part : configValue.split("##|,")) {
            if (!part.isBlank()) {
                names.add(part.trim());
            }
        }
        return names;
    }

    /** Words a person understands for the built-in names; other attribute names are shown as they are. */
    public static String label(String name) {
        switch (name) {
            case "email":
                return "e-mail address";
            case "firstName":
                return "first name";
            case "lastName":
                return "last name";
            default:
                return name;
        }
    }

    private static boolean hasValue(Collection<String> values) {
        if (values == null) {
            return false;
        }
        return values.stream().anyMatch(v -> v != null && !v.isBlank());
    }
}
