package org.oarspawner.oar;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.SftpException;
import com.jcraft.jsch.SftpATTRS;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.oarspawner.oar.ssh.SshConnection;
import org.oarspawner.oar.ssh.SshException;

/** Job files over SFTP, as the user itself (PER_USER identity). */
final class SftpJobFiles implements JobFiles {
    private final Function<String, SshConnection> connections;

    SftpJobFiles(Function<String, SshConnection> connections) {
        this.connections = connections;
    }

    @Override
    public String stage(String login, String dir, List<StagedFile> files) throws SshException {
        return connections.apply(login).sftp(sftp -> {
            String path = sftp.getHome();
            for (String part : (ROOT + "/" + dir).split("/")) {
                path = path + "/" + part;
                if (!exists(sftp, path)) {
                    sftp.mkdir(path);
                }
                sftp.chmod(0700, path);
            }
            for (StagedFile f : files) {
                String part = path + "/." + f.name() + ".part";
                sftp.put(new ByteArrayInputStream(new byte[0]), part, ChannelSftp.OVERWRITE);
                // Narrow the mode before the content goes in, so secrets are never readable by others.
                sftp.chmod(f.mode(), part);
                sftp.put(new ByteArrayInputStream(f.content()), part, ChannelSftp.OVERWRITE);
                String target = path + "/" + f.name();
                if (exists(sftp, target)) {
                    sftp.rm(target);
                }
                sftp.rename(part, target);
            }
            return path;
        });
    }

    @Override
    public Optional<String> read(String login, String dir, String name, int maxBytes) throws SshException {
        return read(login, dir, name, maxBytes, false);
    }

    @Override
    public Optional<String> tail(String login, String dir, String name, int maxBytes) throws SshException {
        return read(login, dir, name, Math.min(maxBytes, MAX_TAIL), true);
    }

    /** At most maxBytes from the start or the end of a regular file; lstat first, so a FIFO or a link is never opened. */
    private Optional<String> read(String login, String dir, String name, int maxBytes, boolean fromEnd) throws SshException {
        return connections.apply(login).sftp(sftp -> {
            String path = sftp.getHome() + "/" + ROOT + "/" + dir + "/" + name;
            SftpATTRS attrs;
            try {
                attrs = sftp.lstat(path);
            } catch (SftpException e) {
                if (e.id == ChannelSftp.SSH_FX_NO_SUCH_FILE) {
                    return Optional.empty();
                }
                throw e;
            }
            if (!attrs.isReg()) {
                return Optional.empty();
            }
            long skip = fromEnd ? Math.max(0, attrs.getSize() - maxBytes) : 0;
            try (InputStream in = sftp.get(path, null, skip)) {
                return Optional.of(new String(in.readNBytes(maxBytes), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new SftpException(ChannelSftp.SSH_FX_FAILURE, "reading " + path + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    public void clean(String login, String dir) throws SshException {
        connections.apply(login).sftp(sftp -> {
            String path = sftp.getHome() + "/" + ROOT + "/" + dir;
            if (exists(sftp, path)) {
                for (ChannelSftp.LsEntry e : sftp.ls(path)) {
                    if (!e.getFilename().equals(".") && !e.getFilename().equals("..")) {
                        sftp.rm(path + "/" + e.getFilename());
                    }
                }
                sftp.rmdir(path);
            }
            return null;
        });
    }

    private static boolean exists(ChannelSftp sftp, String path) throws SftpException {
        try {
            sftp.lstat(path);
            return true;
        } catch (SftpException e) {
            if (e.id == ChannelSftp.SSH_FX_NO_SUCH_FILE) {
                return false;
            }
            throw e;
        }
    }
}
