package org.oarspawner.oar;

import static org.oarspawner.oar.ssh.ShellQuote.quote;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.oar.ssh.SshConnection;
import org.oarspawner.oar.ssh.SshException;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;

/**
 * Which logins the service may act as on a cluster: those with an account on the frontend and a uid of at least
 * {@link #MIN_UID}, never a system login (root, daemon). With the service account, the check is a prefix of every
 * command run as a user, in the same command, before sudo; with per-user keys, a {@code getent passwd} over the
 * service account's connection before any connection as the user, its answer kept for a while per login.
 */
final class Accounts {
    static final int MIN_UID = 1000;
    private static final int NO_ACCOUNT_EXIT = 97;
    private static final int SYSTEM_LOGIN_EXIT = 98;
    private static final String MARK = "oarspawner-account:";
    private static final Duration KNOWN_FOR = Duration.ofMinutes(10);
    private static final Duration UNKNOWN_FOR = Duration.ofMinutes(1);

    private record Answer(OptionalInt uid, long expiresNanos) {
    }

    private final String cluster;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();

    Accounts(String cluster) {
        this.cluster = cluster;
    }

    /** A shell prefix that ends the command with a marked exit code, before sudo, for a login it may not act as. */
    static String guard(String login) {
        String q = quote(login);
        return "e=$(getent passwd " + q + "); case \"$e\" in " + q + ":*) ;; *) echo '" + MARK + " none' >&2; exit "
                + NO_ACCOUNT_EXIT + ";; esac; u=${e#*:*:}; u=${u%%:*}; [ \"$u\" -ge " + MIN_UID + " ] 2>/dev/null || { echo '"
                + MARK + " system' >&2; exit " + SYSTEM_LOGIN_EXIT + "; }; ";
    }

    /** Throws FORBIDDEN or NO_ACCOUNT when a guarded command was stopped by {@link #guard}; otherwise returns it. */
    CommandResult checked(String login, CommandResult r) {
        if (r.exitCode() == NO_ACCOUNT_EXIT && r.stderr().contains(MARK + " none")) {
            throw noAccount(login);
        }
        if (r.exitCode() == SYSTEM_LOGIN_EXIT && r.stderr().contains(MARK + " system")) {
            throw systemLogin(login, OptionalInt.empty());
        }
        return r;
    }

    /** For per-user keys: looks the login up over the service account's connection, unless known recently. */
    void require(String login, SshConnection service) throws SshException {
        long now = System.nanoTime();
        Answer a = answers.get(login);
        if (a == null || now - a.expiresNanos() > 0) {
            CommandResult r = service.exec("getent passwd " + quote(login));
            OptionalInt uid = uid(login, r);
            a = new Answer(uid, now + (uid.isPresent() ? KNOWN_FOR : UNKNOWN_FOR).toNanos());
            answers.put(login, a);
        }
        if (a.uid().isEmpty()) {
            throw noAccount(login);
        }
        if (a.uid().getAsInt() < MIN_UID) {
            throw systemLogin(login, a.uid());
        }
    }

    /** The uid in getent's answer for this login (exit 2: no such key); anything else is a failure. */
    static OptionalInt uid(String login, CommandResult r) throws SshException {
        if (r.exitCode() == 2) {
            return OptionalInt.empty();
        }
        String[] f = r.stdout().strip().split(":", -1);
        if (r.exitCode() != 0 || f.length < 7 || !f[0].equals(login) || !f[2].matches("[0-9]{1,10}")) {
            throw new SshException("getent passwd " + login + " failed (exit code " + r.exitCode() + "): " + r.stderr().strip());
        }
        return OptionalInt.of((int) Math.min(Integer.MAX_VALUE, Long.parseLong(f[2])));
    }

    private SchedulerException noAccount(String login) {
        return new SchedulerException(cluster, Reason.NO_ACCOUNT, -1, "user " + login + " has no account on cluster " + cluster);
    }

    private SchedulerException systemLogin(String login, OptionalInt uid) {
        return new SchedulerException(cluster, Reason.FORBIDDEN, -1, "login " + login + " is a system account"
                + uid.stream().mapToObj(u -> " (uid " + u + ")").findFirst().orElse("") + " on cluster " + cluster
                + ": notebooks run only as users with a uid of at least " + MIN_UID);
    }
}
