package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.ForwardingDevice;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * Whatever a device layer throws under a request, an Error too, completes that request with an
 * I/O error, is said in one line naming the disk, and leaves the I/O thread serving every other
 * disk; a completion that throws does not stop it either.
 */
@Timeout(60)
class RequestErrorsTest {
    @TempDir
    Path dir;

    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    /** Throws what {@code failure} makes on every read while armed. */
    static final class ThrowingDevice extends ForwardingDevice {
        volatile Supplier<Throwable> failure;

        ThrowingDevice(BlockDevice inner) {
            super(inner);
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            Supplier<Throwable> f = failure;
            if (f != null) {
                Throwable t = f.get();
                if (t instanceof Error e) {
                    throw e;
                }
                if (t instanceof IOException e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }
            inner.read(offset, dst);
        }
    }

    static IoStatus read(UbdDriver driver, Disk disk, long offset) throws Exception {
        return driver.submit(disk, IoOp.READ, offset, ByteBuffer.allocate(4096), 0).get(10, TimeUnit.SECONDS);
    }

    List<String> lines(String start) {
        synchronized (log) {
            return log.stream().filter(l -> l.startsWith(start)).toList();
        }
    }

    @Test
    void anErrorUnderAReadIsAnIoErrorForThatReadAndTheOtherDiskGoesOn() throws Exception {
        Path a = Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        Path b = Files.write(dir.resolve("b.img"), new byte[1 << 20]);
        try (UbdDriver driver = new UbdDriver()) {
            ThrowingDevice[] layer = new ThrowingDevice[1];
            Disk sick = driver.attach(UbdOptionParser.device("ubd0=" + a), new DeviceOpener(HostFileTable.PROCESS, log::add),
                    d -> layer[0] = new ThrowingDevice(d));
            Disk well = driver.attach("ubd1=" + b, log::add);
            assertEquals(sick.ioThread(), well.ioThread(), "one I/O thread serves both");

            List<Supplier<Throwable>> failures = List.of(StackOverflowError::new,
                    () -> new InternalError("a fault occurred in a recent unsafe memory access operation in compiled Java code"),
                    () -> new OutOfMemoryError("Java heap space"), () -> new IllegalStateException(),
                    () -> new IOException("Input/output error"));
            List<String> want = List.of("ubda: read at 4096: StackOverflowError; I/O error",
                    "ubda: read at 4096: InternalError: a fault occurred in a recent unsafe memory access operation in compiled Java code; I/O error",
                    "ubda: read at 4096: OutOfMemoryError: Java heap space; I/O error",
                    "ubda: read at 4096: IllegalStateException; I/O error",
                    "ubda: read at 4096: Input/output error; I/O error");
            for (int i = 0; i < failures.size(); i++) {
                layer[0].failure = failures.get(i);
                assertEquals(IoStatus.IOERR, read(driver, sick, 4096), want.get(i));
                assertEquals(want.get(i), lines("ubda:").get(i));
                assertEquals(IoStatus.OK, read(driver, well, 0), "the other disk of the I/O thread after " + want.get(i));
            }
            layer[0].failure = null;
            assertEquals(IoStatus.OK, read(driver, sick, 4096), "the disk itself serves again");
            assertTrue(lines("ubdb").isEmpty(), log.toString());
        }
    }

    @Test
    void aGuestThatFailsOverAndOverDoesNotFloodTheLog() throws Exception {
        Path a = Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        try (UbdDriver driver = new UbdDriver()) {
            Disk sick = driver.attach(UbdOptionParser.device("ubd0=" + a), new DeviceOpener(HostFileTable.PROCESS, log::add),
                    d -> {
                        ThrowingDevice t = new ThrowingDevice(d);
                        t.failure = () -> new IOException("Input/output error");
                        return t;
                    });
            for (int i = 0; i < 1000; i++) {
                assertEquals(IoStatus.IOERR, read(driver, sick, 4096L * (i % 16)));
            }
            int n = lines("ubda:").size();
            assertTrue(n >= 1 && n <= 20, n + " lines: " + log);
        }
    }

    @Test
    void aWriteToAReadOnlyDeviceIsReadOnlyNotAnIoError() throws Exception {
        Path a = Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0r=" + a, log::add);
            assertEquals(IoStatus.READ_ONLY, driver.submit(disk, IoOp.WRITE, 0, ByteBuffer.allocate(512), 0).get(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.READ_ONLY, driver.submit(disk, IoOp.DISCARD, 0, null, 4096).get(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.READ_ONLY, driver.submit(disk, IoOp.WRITE_ZEROES, 0, null, 4096).get(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.FLUSH, 0, null, 0).get(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.OK, read(driver, disk, 0));
            assertEquals("read-only device", IoStatus.READ_ONLY.words());
            assertTrue(lines("ubda").isEmpty(), "the caller's mistake is its answer, not a failure to log: " + log);
        }
    }

    @Test
    void aCompletionThatThrowsAnErrorDoesNotStopTheIoThread() throws Exception {
        Path a = Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0=" + a, log::add);
            driver.submit(disk, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (tag, status) -> {
                throw new StackOverflowError();
            }, 0);
            driver.submit(disk, IoOp.READ, 0, ByteBuffer.allocate(512), 0, (tag, status) -> {
                throw new IllegalStateException("a caller's bug");
            }, 0);
            CompletableFuture<IoStatus> next = driver.submit(disk, IoOp.READ, 0, ByteBuffer.allocate(512), 0);
            assertEquals(IoStatus.OK, next.get(10, TimeUnit.SECONDS));
        }
    }
}
