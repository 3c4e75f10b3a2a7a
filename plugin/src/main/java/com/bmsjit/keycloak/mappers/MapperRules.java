package com.bmsjit.keycloak.mappers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The checks a BMS rule or defaults mapper must pass before it is kept, written without Keycloak types. The grammar and
 * every case live in test/fixtures/contract/mapper-checks.json, which the bridge's parser is tested against too: a
 * mapper this check accepts, the bridge loads, and the other way round. Each problem has a stable code (the contract)
 * and a sentence an admin can act on.
 */
public final class MapperRules {

    /** A mapper of one identity provider, as the checks need it. */
    public record Mapper(String id, String name, String type, Map<String, String> config) {
    }

    /** One problem: {@code code} as in mapper-checks.json, {@code message} for the admin. */
    public record Problem(String code, String message) {
    }

    /** ASCII digits only (Java's Integer.valueOf also takes '+' and other scripts' digits; the bridge does not). */
    private static final Pattern ORDER = Pattern.compile("-?[0-9]{1,9}");

    private MapperRules() {
    }

    /** The problems' sentences, for the console. */
    public static List<String> problems(Mapper candidate, Collection<Mapper> othersOfSameIdp) {
        return check(candidate, othersOfSameIdp).stream().map(Problem::message).toList();
    }

    /** Every problem of {@code candidate} among the other mappers of its identity provider; empty when it may be saved. */
    public static List<Problem> check(Mapper candidate, Collection<Mapper> othersOfSameIdp) {
        Map<String, String> c = candidate.config() == null ? Map.of() : candidate.config();
        if (BmsEmployeeDefaultsMapper.PROVIDER_ID.equals(candidate.type())) {
            return defaultsProblems(candidate, c, othersOfSameIdp);
        }
        if (BmsMappingRuleMapper.PROVIDER_ID.equals(candidate.type())) {
            return ruleProblems(candidate, c, othersOfSameIdp);
        }
        return List.of();
    }

    private static List<Problem> defaultsProblems(Mapper candidate, Map<String, String> c, Collection<Mapper> others) {
        List<Problem> problems = new ArrayList<>();
        others.stream()
                .filter(m -> BmsEmployeeDefaultsMapper.PROVIDER_ID.equals(m.type()) && !m.id().equals(candidate.id()))
                .findFirst()
                .ifPresent(m -> problems.add(new Problem("defaults.duplicate",
                        "This identity provider already has a BMS employee defaults mapper ('" + m.name() + "'); edit that one instead.")));
        String policy = value(c, BmsEmployeeDefaultsMapper.NO_MATCH_POLICY, BmsEmployeeDefaultsMapper.POLICY_DENY);
        if (!policy.equals(BmsEmployeeDefaultsMapper.POLICY_DENY) && !policy.equals(BmsEmployeeDefaultsMapper.POLICY_DEFAULTS)) {
            problems.add(new Problem("defaults.no-match-policy", "'When no rule matches' must be 'deny' or 'defaults', not '" + policy + "'."));
        }
        problems.addAll(syncFieldProblems(value(c, BmsEmployeeDefaultsMapper.SYNC_FIELDS, "")));
        String rehire = value(c, BmsEmployeeDefaultsMapper.REHIRE_POLICY, BmsEmployeeDefaultsMapper.REHIRE_REACTIVATE);
        if (!rehire.equals(BmsEmployeeDefaultsMapper.REHIRE_REACTIVATE) && !rehire.equals(BmsEmployeeDefaultsMapper.REHIRE_DENY)) {
            problems.add(new Problem("defaults.rehire-policy", "'Rehire' must be 'reactivate' or 'deny', not '" + rehire + "'."));
        }
        problems.addAll(domainPairProblems(value(c, BmsEmployeeDefaultsMapper.DOMAIN_PAIRS, "")));
        // what the defaults leave empty, every provision rule must set (and with the policy 'defaults', nothing may be empty)
        List<String> unset = BmsFields.REQUIRED.stream().filter(f -> value(c, f, "").isEmpty()).toList();
        List<String> relying = others.stream().filter(m -> isProvisionRule(m) && !m.id().equals(candidate.id()))
                .filter(m -> unset.stream().anyMatch(f -> value(m.config(), f, "").isEmpty())).map(Mapper::name).toList();
        if (!unset.isEmpty() && (policy.equals(BmsEmployeeDefaultsMapper.POLICY_DEFAULTS) || !relying.isEmpty())) {
            problems.add(new Problem("defaults.required-fields", "The defaults leave " + String.join(", ", unset) + " empty, which "
                    + (relying.isEmpty() ? "a user no rule matches" : "the rules " + relying) + " would need: a new BMS employee needs each of them."));
        }
        return problems;
    }

    private static boolean isProvisionRule(Mapper m) {
        return BmsMappingRuleMapper.PROVIDER_ID.equals(m.type())
                && value(m.config(), BmsMappingRuleMapper.EFFECT, BmsMappingRuleMapper.EFFECT_PROVISION).equals(BmsMappingRuleMapper.EFFECT_PROVISION);
    }

    private static List<Problem> ruleProblems(Mapper candidate, Map<String, String> c, Collection<Mapper> others) {
        List<Problem> problems = new ArrayList<>();
        String order = value(c, BmsMappingRuleMapper.ORDER, "");
        Integer parsed = parseOrder(order);
        if (parsed == null) {
            problems.add(new Problem("rule.order.not-whole-number", "Order must be a whole number of at most 9 digits (for example 10), not '" + order + "'."));
        } else {
            others.stream()
                    .filter(m -> BmsMappingRuleMapper.PROVIDER_ID.equals(m.type()) && !m.id().equals(candidate.id()))
                    .filter(m -> parsed.equals(parseOrder(value(m.config(), BmsMappingRuleMapper.ORDER, ""))))
                    .findFirst()
                    .ifPresent(m -> problems.add(new Problem("rule.order.taken", "Order " + parsed + " is already used by the rule '" + m.name()
                            + "'; every BMS mapping rule of an identity provider needs its own order.")));
        }
        if (value(c, BmsMappingRuleMapper.MATCH_DOMAIN, "").isEmpty() && value(c, BmsMappingRuleMapper.MATCH_GROUP, "").isEmpty()
                && value(c, BmsMappingRuleMapper.MATCH_USER, "").isEmpty()) {
            problems.add(new Problem("rule.no-condition", "A BMS mapping rule needs at least one match condition: AD domain, security group or user."));
        }
        String effect = value(c, BmsMappingRuleMapper.EFFECT, BmsMappingRuleMapper.EFFECT_PROVISION);
        if (!effect.equals(BmsMappingRuleMapper.EFFECT_PROVISION) && !effect.equals(BmsMappingRuleMapper.EFFECT_DENY)) {
            problems.add(new Problem("rule.effect", "Effect must be 'provision' or 'deny', not '" + effect + "'."));
        }
        Mapper defaults = others.stream().filter(m -> BmsEmployeeDefaultsMapper.PROVIDER_ID.equals(m.type())).findFirst().orElse(null);
        if (defaults != null && effect.equals(BmsMappingRuleMapper.EFFECT_PROVISION)) {
            List<String> unset = BmsFields.REQUIRED.stream().filter(f -> value(c, f, "").isEmpty() && value(defaults.config(), f, "").isEmpty()).toList();
            if (!unset.isEmpty()) {
                problems.add(new Problem("rule.required-fields", "This rule and the defaults leave " + String.join(", ", unset)
                        + " empty: a new BMS employee needs each of them; set them here or on the defaults mapper."));
            }
        }
        return problems;
    }

    /**
     * 'Keep in sync with the directory', stored as {@code a##b##c} (already trimmed). Empty means the default; otherwise
     * every item must be one of the options, exactly as spelled. A repeated item is harmless.
     */
    static List<Problem> syncFieldProblems(String stored) {
        List<Problem> problems = new ArrayList<>();
        if (stored.isEmpty()) {
            return problems;
        }
        String label = "'Keep in sync with the directory'";
        List<String> items = List.of(stored.split(BmsEmployeeDefaultsMapper.LIST_DELIMITER, -1));
        if (items.stream().anyMatch(String::isEmpty)) {
            problems.add(new Problem("defaults.sync-fields.empty-item",
                    label + " has an empty item ('" + stored + "'): separate the fields with a single '##' and none at either end."));
        }
        if (items.contains(BmsEmployeeDefaultsMapper.SYNC_NONE) && items.stream().anyMatch(i -> !i.equals(BmsEmployeeDefaultsMapper.SYNC_NONE))) {
            problems.add(new Problem("defaults.sync-fields.none-with-others",
                    label + " has 'none' with other fields: choose 'none' alone (every field create only), or only the fields to keep in sync."));
        }
        List<String> unknown = items.stream().filter(i -> !i.isEmpty() && !BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS.contains(i)).distinct().toList();
        if (!unknown.isEmpty()) {
            String hints = unknown.stream().map(MapperRules::withHint).collect(Collectors.joining(", "));
            problems.add(new Problem("defaults.sync-fields.unknown", label + " has unknown fields " + hints + "; choose from "
                    + String.join(", ", BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS) + "."));
        }
        return problems;
    }

    private static String withHint(String item) {
        return "'" + item + "'" + BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS.stream().filter(o -> o.equalsIgnoreCase(item.trim())).findFirst()
                .map(o -> " (did you mean '" + o + "'?)").orElse("");
    }

    /** Each pair {@code NETBIOS=dns.domain}: a NetBIOS name (no dot, at most 15 characters) and a DNS name with a dot. */
    static List<Problem> domainPairProblems(String stored) {
        if (stored.isEmpty()) {
            return List.of();
        }
        List<String> bad = new ArrayList<>();
        for (String item : stored.split(BmsEmployeeDefaultsMapper.LIST_DELIMITER, -1)) {
            String[] parts = item.split("=", -1);
            String netbios = parts[0].trim();
            String dns = parts.length == 2 ? parts[1].trim() : "";
            boolean ok = parts.length == 2 && !netbios.isEmpty() && !netbios.contains(".") && netbios.length() <= 15
                    && dns.contains(".") && !dns.startsWith(".") && !dns.endsWith(".");
            if (!ok) {
                bad.add("'" + item + "'");
            }
        }
        return bad.isEmpty() ? List.of() : List.of(new Problem("defaults.domain-pairs.malformed", "'NetBIOS and DNS domain pairs' has "
                + String.join(", ", bad) + ": write each pair as NETBIOS=dns.domain, for example CORP=contoso.com."));
    }

    /** The order as a number, or null when it is not the contract's whole number. */
    static Integer parseOrder(String value) {
        String trimmed = value == null ? "" : value.trim();
        return ORDER.matcher(trimmed).matches() ? Integer.valueOf(trimmed) : null;
    }

    /** The value trimmed of characters up to U+0020 at both ends (String.trim; the bridge trims the same set), or the fallback when empty. */
    private static String value(Map<String, String> config, String key, String fallback) {
        String v = config == null ? null : config.get(key);
        String trimmed = v == null ? "" : v.trim();
        return trimmed.isEmpty() ? fallback : trimmed;
    }
}
