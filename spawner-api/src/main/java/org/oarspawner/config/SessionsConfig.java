package org.oarspawner.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code sessions} section: the "HPC sessions" page, a JupyterHub service served by this service under
 * {@code <the hub's base path>services/<serviceName>/} and logged in through the hub's OAuth. Without the section
 * there is no page.
 *
 * @param serviceName    the hub's name for the service ({@code c.JupyterHub.services}); the OAuth client is
 *                       {@code service-<serviceName>}
 * @param publicUrl      the hub as browsers reach it (its proxy), with its base path, no trailing slash
 * @param hubApiUrl      the hub's API as this service reaches it, e.g. http://127.0.0.1:8081/hub/api
 * @param clientSecret   the OAuth client's secret: the service's api_token in the hub's configuration
 * @param sessionTimeout how long a page session lives unused
 * @param hubCheck       how often a session's hub token is asked again (/hub/api/user): a logout from the hub,
 *                       which deletes the token, ends the page's session within this
 */
public record SessionsConfig(String serviceName, String publicUrl, String hubApiUrl, String clientSecret,
                             Duration sessionTimeout, Duration hubCheck) {

    public static Optional<SessionsConfig> from(ConfigNode root) {
        return root.optionalChild("sessions").map(SessionsConfig::parse);
    }

    private static SessionsConfig parse(ConfigNode s) {
        String name = s.string("serviceName", "oarspawner");
        if (!name.matches("^[a-z0-9][a-z0-9-]{0,62}$")) {
            throw s.error("serviceName", "must be the hub's service name (lower-case letters, digits, '-'), got '" + name + "'");
        }
        String pub = s.string("publicUrl").replaceAll("/+$", "");
        if (!pub.matches("^https?://[^\\s/?#]+(/[^\\s?#]*)?$")) {
            throw s.error("publicUrl", "must be the hub's public URL like https://hub.example.org, got '" + pub + "'");
        }
        String api = s.string("hubApiUrl").replaceAll("/+$", "");
        if (!api.matches("^https?://[^\\s/?#]+(/[^\\s?#]*)?$")) {
            throw s.error("hubApiUrl", "must be the hub's API URL like http://127.0.0.1:8081/hub/api, got '" + api + "'");
        }
        String secret = s.fileText("clientSecretFile").strip();
        if (secret.length() < 16) {
            throw s.error("clientSecretFile", "must hold the service's api_token from the hub's configuration (at least 16 characters)");
        }
        return new SessionsConfig(name, pub, api, secret,
                s.duration("sessionTimeout", Duration.ofMinutes(30), Duration.ofMinutes(1), Duration.ofHours(12)),
                s.duration("hubCheckInterval", Duration.ofMinutes(1), Duration.ZERO, Duration.ofHours(1)));
    }

    /** The page's path, as the proxy forwards it: the hub's base path, then services/NAME/. */
    public String prefix() {
        String base = URI.create(publicUrl).getRawPath();
        return (base == null ? "" : base) + "/services/" + serviceName + "/";
    }

    /** The OAuth redirect URI, which the hub's service entry must name exactly (oauth_redirect_uri). */
    public String callbackUrl() {
        return publicUrl + "/services/" + serviceName + "/oauth_callback";
    }

    public String clientId() {
        return "service-" + serviceName;
    }

    /** Whether browsers reach the page over TLS: its cookies are then Secure. */
    public boolean secure() {
        return publicUrl.startsWith("https://");
    }

    @Override
    public String toString() {
        return "SessionsConfig[serviceName=" + serviceName + ", publicUrl=" + publicUrl + ", hubApiUrl=" + hubApiUrl
                + ", sessionTimeout=" + sessionTimeout + ", hubCheck=" + hubCheck + "]";
    }
}
