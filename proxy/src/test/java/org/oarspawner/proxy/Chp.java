package org.oarspawner.proxy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A real configurable-http-proxy from Debian's package (node-configurable-http-proxy), on free loopback ports.
 * Debian's CHP needs NODE_PATH set to find its modules with the Node.js these machines carry.
 */
public final class Chp implements AutoCloseable {
    public final int port;
    public final int apiPort;
    public final String token = "chp-" + UUID.randomUUID();
    private Process process;
    final Path log;

    public Chp() throws IOException {
        port = freePort();
        apiPort = freePort();
        log = Files.createTempFile("chp", ".log");
        start();
    }

    void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("configurable-http-proxy", "--ip", "127.0.0.1", "--port", Integer.toString(port),
                "--api-ip", "127.0.0.1", "--api-port", Integer.toString(apiPort)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("CONFIGPROXY_AUTH_TOKEN", token);
        pb.environment().put("NODE_PATH", "/usr/share/nodejs:/usr/lib/nodejs");
        process = pb.start();
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", apiPort)) {
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IOException("configurable-http-proxy exited: " + Files.readString(log));
                }
                sleep(100);
            }
        }
        throw new IOException("configurable-http-proxy did not listen: " + Files.readString(log));
    }

    /** Kills CHP and starts it again on the same ports, with an empty routing table. */
    public void restart() throws IOException, InterruptedException {
        process.destroy();
        process.waitFor();
        start();
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    public String publicUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
