package com.bmsjit.keycloak.mappers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The checks a BMS rule or defaults mapper must pass before it is kept, written without Keycloak types.
 * Each problem is a sentence an admin can act on.
 */
public final class MapperRules {

    /** A mapper of one identity provider, as the checks need it. */
    public record Mapper(String id, String name, String type, Map<String, String> config) {
    }

    private MapperRules() {
    }

    public static List<String> problems(Mapper candidate, Collection<Mapper> othersOfSameIdp) {
        List<String> problems = new ArrayList<>();
        Map<String, String> c = candidate.config() == null ? Map.of() : candidate.config();
        if (BmsEmployeeDefaultsMapper.PROVIDER_ID.equals(candidate.type())) {
            othersOfSameIdp.stream()
                    .filter(m -> BmsEmployeeDefaultsMapper.PROVIDER_ID.equals(m.type()) && !m.id().equals(candidate.id()))
                    .findFirst()
                    .ifPresent(m -> problems.add("This identity provider already has a BMS employee defaults mapper ('" + m.name() + "'); edit that one instead."));
            String policy = value(c, BmsEmployeeDefaultsMapper.NO_MATCH_POLICY, BmsEmployeeDefaultsMapper.POLICY_DENY);
            if (!policy.equals(BmsEmployeeDefaultsMapper.POLICY_DENY) && !policy.equals(BmsEmployeeDefaultsMapper.POLICY_DEFAULTS)) {
                problems.add("'When no rule matches' must be 'deny' or 'defaults', not '" + policy + "'.");
            }
            problems.addAll(syncFieldProblems(c.get(BmsEmployeeDefaultsMapper.SYNC_FIELDS)));
            String rehire = value(c, BmsEmployeeDefaultsMapper.REHIRE_POLICY, BmsEmployeeDefaultsMapper.REHIRE_REACTIVATE);
            if (!rehire.equals(BmsEmployeeDefaultsMapper.REHIRE_REACTIVATE) && !rehire.equals(BmsEmployeeDefaultsMapper.REHIRE_DENY)) {
                problems.add("'Rehire' must be 'reactivate' or 'deny', not '" + rehire + "'.");
            }
            problems.addAll(domainPairProblems(c.get(BmsEmployeeDefaultsMapper.DOMAIN_PAIRS)));
            return problems;
        }
        if (!BmsMappingRuleMapper.PROVIDER_ID.equals(candidate.type())) {
            return problems;
        }
        String order = value(c, BmsMappingRuleMapper.ORDER, "");
        Integer parsed = parseOrder(order);
        if (parsed == null) {
            problems.add("Order must be a whole number (for example 10), not '" + order + "'.");
        } else {
            othersOfSameIdp.stream()
                    .filter(m -> BmsMappingRuleMapper.PROVIDER_ID.equals(m.type()) && !m.id().equals(candidate.id()))
                    .filter(m -> parsed.equals(parseOrder(value(m.config(), BmsMappingRuleMapper.ORDER, ""))))
                    .findFirst()
                    .ifPresent(m -> problems.add("Order " + parsed + " is already used by the rule '" + m.name()
                            + "'; every BMS mapping rule of an identity provider needs its own order."));
        }
        if (value(c, BmsMappingRuleMapper.MATCH_DOMAIN, "").isEmpty() && value(c, BmsMappingRuleMapper.MATCH_GROUP, "").isEmpty()
                && value(c, BmsMappingRuleMapper.MATCH_USER, "").isEmpty()) {
            problems.add("A BMS mapping rule needs at least one match condition: AD domain, security group or user.");
        }
        String effect = value(c, BmsMappingRuleMapper.EFFECT, BmsMappingRuleMapper.EFFECT_PROVISION);
        if (!effect.equals(BmsMappingRuleMapper.EFFECT_PROVISION) && !effect.equals(BmsMappingRuleMapper.EFFECT_DENY)) {
            problems.add("Effect must be 'provision' or 'deny', not '" + effect + "'.");
        }
        return problems;
    }

    /**
     * 'Keep in sync with the directory', stored as {@code a##b##c}. Unset or blank means the default; otherwise every item
     * must be one of the options, exactly as spelled (the bridge reads them the same way). A repeated item is harmless.
     */
    static List<String> syncFieldProblems(String stored) {
        List<String> problems = new ArrayList<>();
        if (stored == null || stored.isBlank()) {
            return problems;
        }
        String label = "'Keep in sync with the directory'";
        String choices = String.join(", ", BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS);
        boolean empty = false;
        List<String> unknown = new ArrayList<>();
        for (String item : stored.split(BmsEmployeeDefaultsMapper.LIST_DELIMITER, -1)) {
            if (item.isBlank()) {
                empty = true;
            } else if (!BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS.contains(item) && !unknown.contains(item)) {
                unknown.add(item);
            }
        }
        if (empty) {
            problems.add(label + " has an empty item ('" + stored + "'): separate the fields with a single '##' and none at either end.");
        }
        List<String> items = List.of(stored.split(BmsEmployeeDefaultsMapper.LIST_DELIMITER, -1));
        if (items.contains(BmsEmployeeDefaultsMapper.SYNC_NONE) && items.stream().anyMatch(i -> !i.equals(BmsEmployeeDefaultsMapper.SYNC_NONE))) {
            problems.add(label + " has 'none' with other fields: choose 'none' alone (every field create only), or only the fields to keep in sync.");
        }
        for (String item : unknown) {
            String hint = BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS.stream().filter(o -> o.equalsIgnoreCase(item.trim())).findFirst()
                    .map(o -> " (did you mean '" + o + "'?)").orElse("");
            problems.add(label + " has an unknown field '" + item + "'" + hint + "; choose from " + choices + ".");
        }
        return problems;
    }

    /** Each pair {@code NETBIOS=dns.domain}: a NetBIOS name (no dot, at most 15 characters) and a DNS name with a dot. */
    static List<String> domainPairProblems(String stored) {
        List<String> problems = new ArrayList<>();
        if (stored == null || stored.isBlank()) {
            return problems;
        }
        for (String item : stored.split(BmsEmployeeDefaultsMapper.LIST_DELIMITER, -1)) {
            String[] parts = item.split("=", -1);
            boolean ok = parts.length == 2 && !parts[0].isBlank() && !parts[0].contains(".") && parts[0].trim().length() <= 15
                    && parts[1].trim().contains(".") && !parts[1].trim().startsWith(".") && !parts[1].trim().endsWith(".");
            if (!ok) {
                problems.add("'NetBIOS and DNS domain pairs' has '" + item + "': write each pair as NETBIOS=dns.domain, for example CORP=contoso.com.");
            }
        }
        return problems;
    }

    static Integer parseOrder(String value) {
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException | NullPointerException e) {
            return null;
        }
    }

    private static String value(Map<String, String> config, String key, String fallback) {
        String v = config == null ? null : config.get(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
