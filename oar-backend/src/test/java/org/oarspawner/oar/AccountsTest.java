package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;

/** The account guard runs in a real /bin/sh against this host's passwd (root and daemon are system logins). */
class AccountsTest {
    private final Accounts accounts = new Accounts("cpu");

    private static CommandResult guarded(String login) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", Accounts.guard(login) + "echo ran as " + login).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new CommandResult(out, err, p.waitFor());
    }

    @Test
    void systemLoginsAreRefusedBeforeTheCommand() throws Exception {
        for (String login : new String[] {"root", "daemon"}) {
            CommandResult r = guarded(login);
            assertThat(r.stdout()).as(login).isEmpty();
            assertThatThrownBy(() -> accounts.checked(login, r)).isInstanceOfSatisfying(SchedulerException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.FORBIDDEN));
        }
    }

    @Test
    void anUnknownLoginHasNoAccount() throws Exception {
        CommandResult r = guarded("nosuchuser-x");
        assertThat(r.stdout()).isEmpty();
        assertThatThrownBy(() -> accounts.checked("nosuchuser-x", r)).isInstanceOfSatisfying(SchedulerException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.NO_ACCOUNT);
            assertThat(e.schedulerMessage()).isEqualTo("user nosuchuser-x has no account on cluster cpu");
        });
    }

    @Test
    void aNumericLookalikeIsNotAnotherAccount() throws Exception {
        // getent passwd 0 would answer root's entry: the name must match too.
        CommandResult r = guarded("_0");
        assertThatThrownBy(() -> accounts.checked("_0", r)).isInstanceOfSatisfying(SchedulerException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NO_ACCOUNT));
    }

    @Test
    void aUserAccountRunsTheCommand() throws Exception {
        String user = new String(new ProcessBuilder("sh", "-c", "getent passwd | awk -F: '$3 >= 1000 && $3 < 60000 {print $1; exit}'")
                .start().getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        org.junit.jupiter.api.Assumptions.assumeFalse(user.isEmpty(), "no user account on this host");
        CommandResult r = guarded(user);
        assertThat(accounts.checked(user, r).stdout()).isEqualTo("ran as " + user + "\n");
    }

    @Test
    void getentAnswersAreParsed() throws Exception {
        assertThat(Accounts.uid("bob", new CommandResult("bob:x:1002:1003::/home/bob:/bin/bash\n", "", 0))).hasValue(1002);
        assertThat(Accounts.uid("bob", new CommandResult("", "", 2))).isEmpty();
        assertThatThrownBy(() -> Accounts.uid("bob", new CommandResult("root:x:0:0:root:/root:/bin/bash\n", "", 0)))
                .isInstanceOf(java.io.IOException.class);
    }
}
