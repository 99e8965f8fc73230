package org.oarspawner.oar.ssh;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import java.time.Duration;

/** Opens one connection's SSH sessions: through the jump host if there is one, host keys checked, public keys only. */
final class SshSessions {
    /** The frontend's session, and the jump host's it goes through (null without one). */
    record Opened(Session session, Session jump) {
    }

    private SshSessions() {
    }

    static Opened open(SshTarget target, SshSettings settings) throws JSchException {
        Session jump = null;
        try {
            String host = target.host();
            int port = target.port();
            if (settings.jumpHost().isPresent()) {
                SshTarget j = settings.jumpHost().get();
                jump = newSession(settings, j, j.host(), j.port(), null);
                jump.connect(millis(settings.connectTimeout()));
                port = jump.setPortForwardingL("127.0.0.1", 0, target.host(), target.port());
                host = "127.0.0.1";
            }
            // Through a jump host we connect to a local port, but check the frontend's own host key.
            Session session = newSession(settings, target, host, port, jump != null ? target.knownHostsName() : null);
            session.connect(millis(settings.connectTimeout()));
            return new Opened(session, jump);
        } catch (JSchException | RuntimeException e) {
            if (jump != null) {
                jump.disconnect();
            }
            throw e;
        }
    }

    private static Session newSession(SshSettings settings, SshTarget login, String host, int port, String hostKeyAlias)
            throws JSchException {
        JSch jsch = new JSch();
        jsch.setKnownHosts(settings.knownHosts().toString());
        jsch.addIdentity(login.key().toString());
        Session s = jsch.getSession(login.user(), host, port);
        s.setConfig("StrictHostKeyChecking", "yes");
        s.setConfig("PreferredAuthentications", "publickey");
        if (hostKeyAlias != null) {
            s.setHostKeyAlias(hostKeyAlias);
        }
        s.setServerAliveInterval(15_000);
        s.setServerAliveCountMax(3);
        return s;
    }

    static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }
}
