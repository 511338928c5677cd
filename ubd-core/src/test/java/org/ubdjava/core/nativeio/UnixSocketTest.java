package org.ubdjava.core.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;

import com.sun.jna.Memory;

/** Descriptors travel with the bytes, and a poll set wakes for the one that has input. */
class UnixSocketTest {
    @TempDir
    Path dir;

    @Test
    void aDescriptorSentWithTheBytesArrivesAsAWorkingDescriptor() throws IOException {
        int[] pair = new int[2];
        LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, pair);
        int event = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        int[] got = new int[UnixSocket.MAX_FDS];
        try (UnixSocket a = new UnixSocket(pair[0]); UnixSocket b = new UnixSocket(pair[1])) {
            Memory out = new Memory(5);
            out.write(0, "hello".getBytes(StandardCharsets.US_ASCII), 0, 5);
            a.send(out, 5, new int[] {event}, 1);
            Memory in = new Memory(16);
            long r = b.receive(in, 0, 16, got, 0);
            assertEquals(5, (int) r, "bytes");
            assertEquals(1, (int) (r >>> 32), "descriptors");
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), in.getByteArray(0, 5));
            assertTrue(got[0] != event, "a new descriptor of the same eventfd");
            Memory value = new Memory(8);
            value.setLong(0, 7);
            LibC.write(got[0], value, 8);
            value.setLong(0, 0);
            LibC.read(event, value, 8);
            assertEquals(7, value.getLong(0), "what the received descriptor wrote, the sent one reads");
        } finally {
            LibC.closeQuietly(event);
            LibC.closeQuietly(got[0]);
        }
    }

    @Test
    void aPollSetWakesForTheEntryWithInputAndIgnoresMinusOne() throws IOException {
        Path path = dir.resolve("s.sock");
        int listener = UnixSocket.listen(path);
        try (UnixSocket client = UnixSocket.connect(path); UnixSocket served = UnixSocket.accept(listener)) {
            PollSet poll = new PollSet(3);
            poll.set(0, -1);
            poll.set(1, served.fd());
            poll.set(2, listener);
            Memory one = new Memory(1);
            one.setByte(0, (byte) 42);
            client.send(one, 1, new int[0], 0);
            assertTrue(poll.await());
            assertFalse(poll.ready(0));
            assertTrue(poll.ready(1), "the socket with a byte waiting");
            assertFalse(poll.ready(2), "nobody else connected");
            UbdException taken = assertThrows(UbdException.class, () -> UnixSocket.listen(path));
            assertEquals(path + ": cannot listen: Address already in use", taken.getMessage());
        } finally {
            LibC.closeQuietly(listener);
        }
    }
}
