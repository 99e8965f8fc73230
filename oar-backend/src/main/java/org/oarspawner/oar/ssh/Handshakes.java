package org.oarspawner.oar.ssh;

import com.jcraft.jsch.JSchException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections to one frontend being opened (key exchange, login) at once, shared by the service account's and the
 * logins' connections. sshd drops unauthenticated connections beyond its MaxStartups (10:30:100 by default: 30% of
 * them from the 10th on) before they log in; it counts a connection as opening until its login has been reported to
 * the listener, a moment after the client sees it, and it counts other clients' too. So a burst of first commands for
 * many logins opens a few at a time, and a connection dropped before login is opened again within the connect
 * timeout instead of failing the spawn.
 */
public final class Handshakes {
    private static final Logger LOG = LoggerFactory.getLogger(Handshakes.class);
    private static final long FIRST_PAUSE_MS = 100;
    private static final long MAX_PAUSE_MS = 1000;

    private final Semaphore opening;
    private final AtomicLong dropsRetried = new AtomicLong();

    /** @param atOnce how many connections to this frontend may be opening at once */
    public Handshakes(int atOnce) {
        this.opening = new Semaphore(atOnce, true);
    }

    /** Connections sshd dropped before login that were opened again. */
    public long dropsRetried() {
        return dropsRetried.get();
    }

    SshSessions.Opened open(SshTarget target, SshSettings settings) throws JSchException {
        long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
        long pause = FIRST_PAUSE_MS;
        for (int attempt = 1; ; attempt++) {
            JSchException failed;
            acquire(deadline, settings);
            try {
                return SshSessions.open(target, settings);
            } catch (JSchException e) {
                failed = e;
            } finally {
                opening.release();
            }
            // Paused with jitter and without a place, so that the connections dropped together do not come back
            // together, nor hold back the others meanwhile.
            long wait = pause + ThreadLocalRandom.current().nextLong(pause);
            if (!droppedBeforeLogin(failed) || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) >= deadline) {
                throw failed;
            }
            dropsRetried.incrementAndGet();
            LOG.info("event=ssh_handshake_dropped target={} attempt={} retry_in_ms={} error=\"{}\"", target, attempt,
                    wait, failed.getMessage());
            pause = Math.min(MAX_PAUSE_MS, pause * 2);
            sleep(wait);
        }
    }

    private void acquire(long deadline, SshSettings settings) throws JSchException {
        try {
            if (!opening.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new JSchException("too many connections to the frontend being opened; none ended within "
                        + settings.connectTimeout().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JSchException("interrupted", e);
        }
    }

    private static void sleep(long ms) throws JSchException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JSchException("interrupted", e);
        }
    }

    /**
     * Whether sshd closed the connection before login, as it does beyond MaxStartups: the socket was reset or closed
     * during the key exchange. Not a refused connection (the frontend is down), no route to it, a timeout, a host key or
     * a login refused: those are answers, and opening again would not change them.
     */
    static boolean droppedBeforeLogin(JSchException e) {
        Throwable cause = e.getCause();
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
                || cause instanceof PortUnreachableException) {
            return false;
        }
        if (cause instanceof SocketException) {
            return true;
        }
        String m = String.valueOf(e.getMessage());
        return m.contains("connection is closed by foreign host") || m.contains("Connection reset");
    }
}
