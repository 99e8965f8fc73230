package org.oarspawner.oar.ssh;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH connection to a frontend, shared by every command for its login: each command is a channel
 * on it. Blocking; callers run it off the event loop. After the frontend drops, the next use
 * reconnects, waiting longer after each failure (1 s, 2 s, 4 s ... up to the configured maximum).
 */
public final class SshConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SshConnection.class);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    /** A command's standard output beyond this is discarded as it streams in (oarstat -fJ of ~3000 jobs fits). */
    public static final int MAX_STDOUT = 8 << 20;
    /** A command's standard error beyond this is discarded as it streams in. */
    public static final int MAX_STDERR = 64 << 10;
    /** Ends SFTP sessions that outlive the command timeout (a read that blocks on a file swapped for a FIFO). */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ssh-sftp-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final SshTarget target;
    private final SshSettings settings;
    private final Semaphore channels;
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();

    private Session session;
    private Session jumpSession;
    private boolean everConnected;
    private int failures;
    private long nextAttemptNanos;
    private String lastError = "";
    private long lastUseNanos = System.nanoTime();

    public interface SftpWork<T> {
        T run(ChannelSftp sftp) throws SftpException;
    }

    private final Runnable onReconnect;
    private final Consumer<Boolean> onReach;
    private final Handshakes handshakes;

    public SshConnection(SshTarget target, SshSettings settings) {
        this(target, settings, () -> { });
    }

    /** @param onReconnect told each time a lost connection is made again, for metrics */
    public SshConnection(SshTarget target, SshSettings settings, Runnable onReconnect) {
        this(target, settings, onReconnect, reached -> { });
    }

    /**
     * @param onReach told after each command and forward whether it reached the frontend: true when it ran, whatever
     *                its exit status; false when it could not (no connection, refused, timed out, lost), for metrics
     */
    public SshConnection(SshTarget target, SshSettings settings, Runnable onReconnect, Consumer<Boolean> onReach) {
        this(target, settings, onReconnect, onReach, new Handshakes(1));
    }

    /** @param handshakes shared by the connections to one frontend (see {@link Handshakes}) */
    public SshConnection(SshTarget target, SshSettings settings, Runnable onReconnect, Consumer<Boolean> onReach, Handshakes handshakes) {
        this.handshakes = handshakes;
        this.onReconnect = onReconnect;
        this.onReach = onReach;
        this.target = target;
        this.settings = settings;
        this.channels = new Semaphore(settings.maxChannels(), true);
    }

    public SshTarget target() {
        return target;
    }

    /** Channels that a command could open now without waiting. */
    public int freeChannels() {
        return channels.availablePermits();
    }

    /** Remote commands and SFTP sessions opened so far. */
    public long commandsSent() {
        return commands.get();
    }

    /** Connections made again after an earlier one was lost. */
    public long reconnects() {
        return reconnects.get();
    }

    public CommandResult exec(String command) throws SshException {
        return exec(command, null);
    }

    /** Runs a command; stdin, when given, is sent and then closed. */
    public CommandResult exec(String command, byte[] stdin) throws SshException {
        acquire();
        try {
            return reporting(() -> run(command, stdin));
        } finally {
            released();
        }
    }

    private interface Use<T> {
        T run() throws SshException;
    }

    /** Tells onReach whether this use of the connection reached the frontend. */
    private <T> T reporting(Use<T> use) throws SshException {
        try {
            T result = use.run();
            onReach.accept(true);
            return result;
        } catch (SshException e) {
            onReach.accept(false);
            throw e;
        }
    }

    private CommandResult run(String command, byte[] stdin) throws SshException {
        try {
            BoundedOutput out = new BoundedOutput(MAX_STDOUT);
            BoundedOutput err = new BoundedOutput(MAX_STDERR);
            ChannelExec channel = (ChannelExec) connectedChannel("exec", c -> {
                ChannelExec exec = (ChannelExec) c;
                exec.setCommand(command);
                exec.setOutputStream(out);
                exec.setErrStream(err);
                exec.setInputStream(stdin == null ? null : new ByteArrayInputStream(stdin));
            });
            try {
                long deadline = System.nanoTime() + settings.commandTimeout().toNanos();
                while (!channel.isClosed()) {
                    if (System.nanoTime() > deadline) {
                        throw SshException.afterSend(target + ": command timed out after "
                                + settings.commandTimeout().toSeconds() + " s: " + firstWord(command));
                    }
                    Thread.sleep(5);
                }
                if (channel.getExitStatus() == -1) {
                    // No exit status: the connection went while the command ran (JSch may close the channel a moment
                    // before it sees the session down), so the command may or may not have done its work.
                    throw SshException.afterSend(target + ": the connection was lost while the command ran"
                            + (sessionAlive(channel) ? " (no exit status)" : "") + ": " + firstWord(command));
                }
                if (out.truncated() || err.truncated()) {
                    LOG.warn("event=ssh_output_truncated target={} command={} max_stdout={} max_stderr={}", target,
                            firstWord(command), MAX_STDOUT, MAX_STDERR);
                }
                return new CommandResult(out.text(), err.text(), channel.getExitStatus(), out.truncated() || err.truncated());
            } finally {
                channel.disconnect();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(target + ": interrupted", e);
        }
    }

    private static boolean sessionAlive(com.jcraft.jsch.Channel channel) {
        try {
            return channel.getSession().isConnected();
        } catch (JSchException e) {
            return false;
        }
    }

    /** SFTP work, ended (and failed) if it outlives the command timeout. */
    public <T> T sftp(SftpWork<T> work) throws SshException {
        acquire();
        AtomicBoolean expired = new AtomicBoolean();
        try {
            ChannelSftp sftp = (ChannelSftp) connectedChannel("sftp", c -> { });
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                expired.set(true);
                sftp.disconnect();
            }, settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                return work.run(sftp);
            } finally {
                watchdog.cancel(false);
                sftp.disconnect();
            }
        } catch (SftpException | RuntimeException e) {
            if (expired.get()) {
                throw new SshException(target + ": sftp timed out after " + settings.commandTimeout().toSeconds() + " s", e);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new SshException(target + ": sftp: " + e.getMessage(), e);
        } finally {
            released();
        }
    }

    private void released() {
        synchronized (this) {
            lastUseNanos = System.nanoTime();
        }
        channels.release();
    }

    /**
     * Closes the connection if no command or SFTP session has used it for {@code idle} and none is running; the
     * next use opens it again. Returns whether it closed it.
     */
    public synchronized boolean closeIfIdle(Duration idle) {
        if (session == null || System.nanoTime() - lastUseNanos < idle.toNanos()
                || channels.availablePermits() < settings.maxChannels() || forwardings() > 0) {
            return false;
        }
        dropSession();
        // Opening it again later is not a reconnect after a loss.
        everConnected = false;
        LOG.info("event=ssh_idle_closed target={} idle_s={}", target, idle.toSeconds());
        return true;
    }

    /** The local ports forwarded over this connection now. */
    public synchronized int forwardings() {
        if (session == null || !session.isConnected()) {
            return 0;
        }
        try {
            return session.getPortForwardingL().length;
        } catch (JSchException e) {
            return 0;
        }
    }

    private interface ChannelSetup {
        void apply(com.jcraft.jsch.Channel channel) throws JSchException;
    }

    /**
     * Opens a channel and connects it. A refused channel on a live connection (sshd's MaxSessions, counted before
     * it has processed our last close) is tried again shortly; only a dead connection is dropped and made again,
     * since dropping a live one would kill every other command on it.
     */
    private com.jcraft.jsch.Channel connectedChannel(String type, ChannelSetup setup) throws SshException {
        for (int attempt = 1; ; attempt++) {
            Session s = session();
            com.jcraft.jsch.Channel channel = null;
            try {
                channel = s.openChannel(type);
                setup.apply(channel);
                channel.connect(millis(settings.connectTimeout()));
                commands.incrementAndGet();
                return channel;
            } catch (JSchException e) {
                if (channel != null) {
                    channel.disconnect();
                }
                boolean alive = s.isConnected();
                if (!alive) {
                    dropSession();
                }
                if (attempt >= 5) {
                    throw new SshException(target + ": " + (alive ? "the frontend refused a channel: " : "") + e.getMessage(), e);
                }
                LOG.debug("event=ssh_channel_retry target={} attempt={} alive={} error=\"{}\"", target, attempt, alive, e.getMessage());
                sleepQuietly(50L * attempt);
            }
        }
    }

    private static void sleepQuietly(long ms) throws SshException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException("interrupted", e);
        }
    }

    private void acquire() throws SshException {
        try {
            if (!channels.tryAcquire(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SshException(target + ": all " + settings.maxChannels() + " channels stayed busy for "
                        + settings.commandTimeout().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(target + ": interrupted", e);
        }
    }

    /**
     * Forwards a local loopback port through this connection to host:port as the frontend sees it, for nodes
     * the proxy cannot reach directly. Returns the local port. A lost connection loses its forwards.
     */
    public int forward(String host, int port) throws SshException {
        return reporting(() -> {
            try {
                return session().setPortForwardingL("127.0.0.1", 0, host, port);
            } catch (JSchException e) {
                throw new SshException(target + ": cannot forward to " + host + ":" + port + ": " + e.getMessage(), e);
            }
        });
    }

    public synchronized void unforward(int localPort) {
        if (session != null && session.isConnected()) {
            try {
                session.delPortForwardingL("127.0.0.1", localPort);
            } catch (JSchException e) {
                LOG.debug("event=unforward_failed target={} port={} error=\"{}\"", target, localPort, e.getMessage());
            }
        }
    }

    /** Changes each time a new connection is made, so that callers can tell their forwards are gone. */
    public synchronized int generation() {
        return session != null && session.isConnected() ? System.identityHashCode(session) : 0;
    }

    private synchronized Session session() throws SshException {
        if (session != null && session.isConnected()) {
            return session;
        }
        long now = System.nanoTime();
        if (now < nextAttemptNanos) {
            throw new SshException(target + " is unreachable (" + lastError + "); next attempt in "
                    + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nextAttemptNanos - now)) + " s");
        }
        try {
            connect();
            if (everConnected) {
                reconnects.incrementAndGet();
                onReconnect.run();
                LOG.info("event=ssh_reconnected target={} failures={}", target, failures);
            }
            everConnected = true;
            failures = 0;
            return session;
        } catch (JSchException e) {
            dropSession();
            failures++;
            long backoff = Math.min(settings.maxBackoff().toNanos(), FIRST_BACKOFF.toNanos() << Math.min(failures - 1, 20));
            nextAttemptNanos = System.nanoTime() + backoff;
            lastError = e.getMessage();
            LOG.warn("event=ssh_connect_failed target={} failures={} retry_in_ms={} error=\"{}\"", target, failures,
                    TimeUnit.NANOSECONDS.toMillis(backoff), lastError);
            throw new SshException(target + ": cannot connect: " + lastError, e);
        }
    }

    private void connect() throws JSchException {
        SshSessions.Opened opened = handshakes.open(target, settings);
        session = opened.session();
        jumpSession = opened.jump();
    }

    private synchronized void dropSession() {
        if (session != null) {
            session.disconnect();
            session = null;
        }
        if (jumpSession != null) {
            jumpSession.disconnect();
            jumpSession = null;
        }
    }

    /** Drops the connection as if the frontend had; the next use reconnects. For tests and shutdown. */
    public void disconnect() {
        dropSession();
    }

    public synchronized boolean isConnected() {
        return session != null && session.isConnected();
    }

    @Override
    public void close() {
        dropSession();
    }

    private static int millis(Duration d) {
        return SshSessions.millis(d);
    }

    /** The program a command runs, for messages: after "sudo ... --" when it goes through sudo. */
    static String firstWord(String command) {
        String c = command;
        int sudo = c.indexOf("sudo -n -u ");
        int dashes = sudo < 0 ? -1 : c.indexOf(" -- ", sudo);
        if (dashes >= 0) {
            c = c.substring(dashes + 4);
        }
        int space = c.indexOf(' ');
        return space < 0 ? c : c.substring(0, space);
    }
}
