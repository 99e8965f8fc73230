package org.oarspawner.config;

import java.util.Map;
import java.util.Optional;
import org.oarspawner.spi.Grammar;

/** How a hub user name maps to a cluster login: the same name, a template, or a table. */
public record LoginMapping(Mode mode, String template, Map<String, String> table) {
    public enum Mode { SAME, TEMPLATE, TABLE }

    public LoginMapping {
        table = Map.copyOf(table);
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
        return new LoginMapping(mode, template, table);
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
}
