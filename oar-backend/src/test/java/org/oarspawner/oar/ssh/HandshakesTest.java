package org.oarspawner.oar.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import com.jcraft.jsch.JSchException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

class HandshakesTest {

    @Test
    void aConnectionClosedDuringTheKeyExchangeWasDropped() {
        assertThat(Handshakes.droppedBeforeLogin(new JSchException("Session.connect: java.net.SocketException: Connection reset",
                new SocketException("Connection reset")))).isTrue();
        assertThat(Handshakes.droppedBeforeLogin(new JSchException("connection is closed by foreign host"))).isTrue();
    }

    @Test
    void answersAreNotRetried() {
        assertThat(Handshakes.droppedBeforeLogin(new JSchException("java.net.ConnectException: Connection refused",
                new ConnectException("Connection refused")))).isFalse();
        assertThat(Handshakes.droppedBeforeLogin(new JSchException("java.net.NoRouteToHostException: No route to host",
                new java.net.NoRouteToHostException("No route to host")))).isFalse();
        assertThat(Handshakes.droppedBeforeLogin(new JSchException("timeout: socket is not established",
                new SocketTimeoutException()))).isFalse();
        assertThat(Handshakes.droppedBeforeLogin(new JSchException("Auth fail for methods 'publickey'"))).isFalse();
        assertThat(Handshakes.droppedBeforeLogin(new JSchException("reject HostKey: localhost"))).isFalse();
    }
}
