package org.oarspawner.oar;

import static org.oarspawner.oar.ssh.ShellQuote.quote;

import java.util.List;
import java.util.Optional;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.oar.ssh.SshConnection;
import org.oarspawner.oar.ssh.SshException;

/**
 * Job files for the SERVICE_ACCOUNT identity, which cannot write in a user's home over SFTP: the
 * staging helper (deploy/cluster/oarspawner-stage) runs as the user through sudo and takes content on stdin.
 */
final class SudoJobFiles implements JobFiles {
    private final SshConnection connection;
    private final OarCommand commands;
    private final String helper;
    private final Accounts accounts;

    SudoJobFiles(SshConnection connection, OarCommand commands, String helper, Accounts accounts) {
        this.accounts = accounts;
        this.connection = connection;
        this.commands = commands;
        this.helper = helper;
    }

    @Override
    public String stage(String login, String dir, List<StagedFile> files) throws SshException {
        String path = null;
        for (StagedFile f : files) {
            String mode = String.format("%04o", f.mode());
            CommandResult r = accounts.checked(login, connection.exec(commands.asUser(login,
                    quote(helper) + " put " + quote(dir) + " " + quote(f.name()) + " " + mode), f.content()));
            if (r.exitCode() != 0) {
                throw new SshException("staging " + f.name() + " for " + login + " failed (exit code " + r.exitCode()
                        + "): " + r.stderr().strip());
            }
            path = r.stdout().strip();
        }
        return path;
    }

    @Override
    public Optional<String> read(String login, String dir, String name, int maxBytes) throws SshException {
        return fetch(login, name, quote(helper) + " get " + quote(dir) + " " + quote(name) + " " + maxBytes);
    }

    @Override
    public Optional<String> tail(String login, String dir, String name, int maxBytes) throws SshException {
        return fetch(login, name, quote(helper) + " tail " + quote(dir) + " " + quote(name) + " " + Math.min(maxBytes, MAX_TAIL));
    }

    /** The helper reads at most the given bytes, regular files only (exit 3 otherwise), within its own timeout. */
    private Optional<String> fetch(String login, String name, String command) throws SshException {
        CommandResult r = accounts.checked(login, connection.exec(commands.asUser(login, command)));
        if (r.exitCode() == 3) {
            return Optional.empty();
        }
        if (r.exitCode() != 0) {
            throw new SshException("reading " + name + " for " + login + " failed (exit code " + r.exitCode() + "): "
                    + r.stderr().strip());
        }
        return Optional.of(r.stdout());
    }

    @Override
    public void clean(String login, String dir) throws SshException {
        CommandResult r = accounts.checked(login, connection.exec(commands.asUser(login, quote(helper) + " clean " + quote(dir))));
        if (r.exitCode() != 0) {
            throw new SshException("cleaning " + dir + " for " + login + " failed (exit code " + r.exitCode() + "): "
                    + r.stderr().strip());
        }
    }
}
