package org.oarspawner.config;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.oarspawner.spi.Grammar;

/**
 * How a hub user name maps to a cluster login: the same name, a template, or a table. Logins in {@code deny}
 * (system accounts; {@code root} always) never run a notebook, whatever the mapping gives.
 */
public record LoginMapping(Mode mode, String template, Map<String, String> table, Set<String> deny) {
    public enum Mode { SAME, TEMPLATE, TABLE }

    /** Always refused, whatever the configuration says. */
    public static final String ROOT = "root";

    public LoginMapping {
        table = Map.copyOf(table);
        Set<String> d = new LinkedHashSet<>(deny);
        d.add(ROOT);
        deny = Set.copyOf(d);
    }

    public LoginMapping(Mode mode, String template, Map<String, String> table) {
        this(mode, template, table, Set.of());
    }

    static LoginMapping from(Optional<ConfigNode> node) {
        if (node.isEmpty()) {
            return new LoginMapping(Mode.SAME, "{user}", Map.of());
        }
        ConfigNode n = node.get();
        Mode mode = n.enumValue("mode", Mode.class, Mode.SAME);
        String template = n.string("template", "{user}");
        if (mode == Mode.TEMPLATE && !template.contains("{user}")) {
            throw n.error("template", "must contain {user}, got '" + template + "'");
        }
        Map<String, String> table = new java.util.LinkedHashMap<>();
        n.optionalChild("table").ifPresent(t -> t.keys().forEach(k -> {
            String login = t.string(k);
            if (!Grammar.LOGIN.matches(login)) {
                throw t.error(k, "must be " + Grammar.LOGIN.description() + ", got '" + login + "'");
            }
            table.put(k, login);
        }));
        if (mode == Mode.TABLE && table.isEmpty()) {
            throw n.error("table", "must list hub users and their logins when mode is table");
        }
        Set<String> deny = new LinkedHashSet<>();
        for (String login : n.strings("deny")) {
            if (!Grammar.LOGIN.matches(login)) {
                throw n.error("deny", "holds '" + login + "', which is not " + Grammar.LOGIN.description());
            }
            deny.add(login);
        }
        return new LoginMapping(mode, template, table, deny);
    }

    /** The login for a hub user, or empty when the user has none (not in the table, or not a valid login). */
    public Optional<String> loginOf(String hubUser) {
        String login = switch (mode) {
            case SAME -> hubUser;
            case TEMPLATE -> template.replace("{user}", hubUser);
            case TABLE -> table.get(hubUser);
        };
        return Optional.ofNullable(login).filter(Grammar.LOGIN::matches);
    }

    /** Whether a login is a system account that may never run a notebook ({@code logins.deny}, and root). */
    public boolean denied(String login) {
        return deny.contains(login);
    }
}
