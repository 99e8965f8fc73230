package org.oarspawner.service;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The users' sshd on :22, the frontend of every cluster of the local platform, stopped and started as deploy/faults.py
 * does: established SSH sessions outlive a stopped listener, so its session processes (the service's multiplexed
 * connection among them) are killed too. OAR's own sshd (:6667, the nodes') is left alone.
 */
final class Sshd {
    static final String START = "/usr/sbin/sshd -o PidFile=/run/sshd-users.pid";
    /** The listener named in the pid file is alive (sshd retitles itself "sshd: ... [listener]", so no pgrep -f ^...). */
    static final String ALIVE = "pid=$(cat /run/sshd-users.pid 2>/dev/null) && [ -n \"$pid\" ] && kill -0 \"$pid\" 2>/dev/null"
            + " && grep -q sshd /proc/\"$pid\"/cmdline";

    private Sshd() {
    }

    static void stop() throws IOException, InterruptedException {
        sh("pid=$(cat /run/sshd-users.pid) && pkill -9 -P \"$pid\" sshd; kill \"$pid\"; "
                + "for i in $(seq 50); do (" + ALIVE + ") || exit 0; sleep 0.1; done; exit 1");
        if (running()) {
            throw new AssertionError("the users' sshd did not stop");
        }
    }

    static void start() throws IOException, InterruptedException {
        if (!running()) {
            sh("mkdir -p /run/sshd && " + START);
        }
        if (!running()) {
            throw new AssertionError("the users' sshd did not start");
        }
    }

    /** For a finally: starts it if it is not running, whatever happened before. */
    static void ensureRunning() throws IOException, InterruptedException {
        start();
    }

    static boolean running() throws IOException, InterruptedException {
        return sh(ALIVE) == 0;
    }

    private static int sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not end in 30 s: " + script);
        }
        return p.exitValue();
    }
}
