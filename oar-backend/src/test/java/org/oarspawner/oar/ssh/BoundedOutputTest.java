package org.oarspawner.oar.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundedOutputTest {
    @Test
    void keepsTheFirstBytesAndCountsTheRest() {
        BoundedOutput o = new BoundedOutput(10);
        o.write("hello".getBytes(), 0, 5);
        assertThat(o.truncated()).isFalse();
        o.write("world, and more".getBytes(), 0, 15);
        o.write('!');
        assertThat(o.text()).isEqualTo("helloworld");
        assertThat(o.truncated()).isTrue();
    }

    @Test
    void aGigabyteStreamedInKeepsOnlyTheLimit() {
        BoundedOutput o = new BoundedOutput(SshConnection.MAX_STDERR);
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < 1024; i++) {
            o.write(chunk, 0, chunk.length);
        }
        assertThat(o.text()).hasSize(SshConnection.MAX_STDERR);
        assertThat(o.truncated()).isTrue();
    }

    @Test
    void messagesNameTheProgramEvenBehindTheAccountCheckAndSudo() {
        assertThat(SshConnection.firstWord("'/usr/bin/oarstat' -fJ -j 1")).isEqualTo("'/usr/bin/oarstat'");
        assertThat(SshConnection.firstWord(org.oarspawner.oar.OarCommandAccess.asServiceAccount("bob", "'/usr/bin/oarsub' --name x")))
                .isEqualTo("'/usr/bin/oarsub'");
    }
}
