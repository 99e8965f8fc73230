package org.oarspawner.http;

import io.vertx.ext.web.Session;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The sessions page's XSRF rule: a random token kept in the page's session (never in a cookie a script can
 * read), put in every form as a hidden field, and required, equal, on every POST. A form posted from another
 * site has no way to learn it; SameSite=Lax on the session cookie is a second wall, not the only one.
 */
final class Xsrf {
    static final String FIELD = "_xsrf";
    private static final String KEY = "oarspawner.xsrf";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Xsrf() {
    }

    /** The session's token, made at its first use. */
    static String token(Session session) {
        String t = session.get(KEY);
        if (t == null) {
            byte[] b = new byte[32];
            RANDOM.nextBytes(b);
            t = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            session.put(KEY, t);
        }
        return t;
    }

    /** Whether a POST's token is the session's own (compared in constant time); false when either is missing. */
    static boolean valid(Session session, String sent) {
        return matches(session == null ? null : session.get(KEY), sent);
    }

    static boolean matches(String expected, String sent) {
        return expected != null && sent != null && !expected.isEmpty()
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8));
    }
}
