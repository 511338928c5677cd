package org.ubdjava.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.Callable;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdFlags;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cat", mixinStandardHelpOptions = true,
        description = {"Write a device's bytes, as the guest sees them, to stdout.", "",
                "SPEC is the kernel's own syntax (ubd0=cow.img,root_fs). The device is opened with the",
                "kernel's rules, always read-only, as if 'r' were given (ubd0r=...): nothing on disk changes, and",
                "the COW file (or raw image) is read-locked unless 'c' is given. One more difference: a missing",
                "COW file is an error, not created (ubd mkcow makes one).",
                "A reader that closes stdout early (ubd cat ... | head -c 8) got what it asked for: exit 0, quietly."})
public final class CatCommand implements Callable<Integer> {
    static final int CHUNK = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--offset", paramLabel = "N", converter = Numbers.Sectors.class, description = "First byte (a multiple of 512). Default 0.")
    long offset;

    @Option(names = "--length", paramLabel = "L", converter = Numbers.Sectors.class, description = "Bytes to read (a multiple of 512). Default: to the end.")
    Long length;

    @Mixin
    BackingDirsOption backingDirs = new BackingDirsOption();

    @Parameters(paramLabel = "SPEC")
    String device;

    /** For tests: where the bytes go instead of stdout. */
    OutputStream out;

    @Override
    public Integer call() throws IOException {
        var given = SpecDevice.parse(spec, device);
        // a read command: whatever the SPEC's flags, the device is read-only, so no write lock is
        // taken and nothing on disk (the COW file's bitmap, its mtime) is touched
        var f = given.flags();
        var config = new UbdDeviceConfig(given.unit(), given.name(), given.file(), given.backing(), given.serial(),
                new UbdFlags(true, f.sync(), f.shared(), f.noCow(), f.noTrim()));
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = SpecDevice.attachExisting(driver, spec, config, backingDirs);
            // offset and length are whole sectors, not negative (Numbers.Sectors); compared by
            // subtraction, as their sum may pass Long.MAX_VALUE
            if (offset > disk.size() || (length != null && length > disk.size() - offset)) {
                throw new UbdException(disk.name() + ": " + (length == null ? "--offset " + offset : "--offset " + offset + " + --length " + length)
                        + " runs past the end of the device (" + disk.size() + " bytes)");
            }
            long end = length == null ? disk.size() : offset + length;
            WritableByteChannel sink = Channels.newChannel(out != null ? out : new FileOutputStream(FileDescriptor.out));
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            for (long pos = offset; pos < end; pos += buf.capacity()) {
                buf.clear().limit((int) Math.min(CHUNK, end - pos));
                SpecDevice.io(driver, disk, IoOp.READ, pos, buf, "read at " + pos);
                try {
                    while (buf.hasRemaining()) {
                        sink.write(buf);
                    }
                } catch (IOException e) {
                    if (isBrokenPipe(e)) {
                        return ExitCodes.OK; // the reader took what it wanted (| head): see the exit codes
                    }
                    throw new UbdException("stdout: " + CowPaths.describe(e), e);
                }
            }
        }
        return ExitCodes.OK;
    }

    /** The reader of a pipe closed it (EPIPE): the JVM ignores SIGPIPE, so a write fails with this instead. */
    static boolean isBrokenPipe(IOException e) {
        return "Broken pipe".equals(e.getMessage());
    }
}
