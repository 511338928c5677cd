package org.ubdjava.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "write", mixinStandardHelpOptions = true,
        description = {"Write bytes into a device through the driver, with full COW semantics.", "",
                "The data (FILE, or stdin) goes in at byte offset N; N and the data's length must be",
                "multiples of 512. The device is opened with the kernel's rules: a missing COW file is",
                "created when a backing file is given. The backing file is never written. The COW file",
                "is flushed (fdatasync) before the command returns."})
public final class WriteCommand implements Callable<Integer> {
    static final int CHUNK = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--offset", required = true, paramLabel = "N", converter = Numbers.Sectors.class, description = "Byte offset, a multiple of 512.")
    long offset;

    @Option(names = "--input", paramLabel = "FILE", description = "The data. Default: stdin.")
    Path input;

    @Mixin
    BackingDirsOption backingDirs = new BackingDirsOption();

    @Parameters(paramLabel = "SPEC")
    String device;

    /** For tests: the data instead of stdin. */
    InputStream in;

    @Override
    public Integer call() throws IOException {
        var config = SpecDevice.parse(spec, device);
        // the input is opened before the device: one that cannot be read leaves the COW file as it
        // was (not even made). A FIFO or a pipe is a stream like stdin: only a directory is refused
        if (input != null && Files.isDirectory(input)) {
            throw new UbdException(input + ": is a directory; --input must be a file or a stream (a FIFO, a pipe)");
        }
        String source = input != null ? input.toString() : "stdin";
        try (ReadableByteChannel src = input != null ? Files.newByteChannel(input) : Channels.newChannel(in != null ? in : System.in);
             UbdDriver driver = new UbdDriver()) {
            Disk disk = SpecDevice.attach(driver, spec, config, backingDirs);
            if (offset > disk.size()) {
                throw new UbdException(disk.name() + ": --offset " + offset + " is past the end of the device (" + disk.size() + " bytes)");
            }
            long known = input != null && Files.isRegularFile(input) ? Files.size(input) : -1;
            if (known > disk.size() - offset) { // offset + known may pass Long.MAX_VALUE
                throw new UbdException(disk.name() + ": --offset " + offset + " + the " + known + " bytes of " + input
                        + " runs past the end of the device (" + disk.size() + " bytes)");
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            long pos = offset;
            while (true) {
                buf.clear();
                try {
                    while (buf.hasRemaining() && src.read(buf) >= 0) {
                        // fill the chunk: pipes deliver in pieces
                    }
                } catch (IOException e) {
                    throw new UbdException(source + ": cannot read: " + CowPaths.describe(e) + "; " + (pos - offset) + " bytes were written", e);
                }
                buf.flip();
                if (!buf.hasRemaining()) {
                    break;
                }
                if (buf.remaining() % 512 != 0) {
                    throw new UbdException(disk.name() + ": the data ends " + (buf.remaining() % 512)
                            + " bytes into a sector (its length must be a multiple of 512); " + (pos - offset) + " bytes were written");
                }
                if (buf.remaining() > disk.size() - pos) { // pos + remaining may pass Long.MAX_VALUE
                    throw new UbdException(disk.name() + ": the data from --offset " + offset + " runs past the end of the device ("
                            + disk.size() + " bytes); " + (pos - offset) + " bytes were written");
                }
                SpecDevice.io(driver, disk, IoOp.WRITE, pos, buf, "write at " + pos);
                pos += buf.remaining();
                if (buf.limit() < buf.capacity()) {
                    break;
                }
            }
            SpecDevice.io(driver, disk, IoOp.FLUSH, 0, null, "flush");
        }
        return ExitCodes.OK;
    }
}
