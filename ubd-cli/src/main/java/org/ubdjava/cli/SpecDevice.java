package org.ubdjava.cli;

import java.io.PrintWriter;

import java.nio.ByteBuffer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** A SPEC argument (the kernel's own ubdN= syntax) turned into one device, or a usage error in the kernel's words. */
public final class SpecDevice {
    private SpecDevice() {
    }

    public static UbdDeviceConfig parse(CommandSpec spec, String text) {
        try {
            return UbdOptionParser.device(text);
        } catch (UbdException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Attaches the device with the kernel's open rules, under --allow-backing-dir, its kernel messages on stderr. */
    static Disk attach(UbdDriver driver, CommandSpec spec, UbdDeviceConfig config, BackingDirsOption backingDirs) {
        return driver.attach(config, new DeviceOpener(HostFileTable.PROCESS, stderr(spec), backingDirs.policy()));
    }

    /** The same, for a command that only reads: a missing COW file is an error naming it, never created. */
    static Disk attachExisting(UbdDriver driver, CommandSpec spec, UbdDeviceConfig config, BackingDirsOption backingDirs) {
        return driver.attach(config, new DeviceOpener(HostFileTable.PROCESS, stderr(spec), backingDirs.policy()).neverCreating());
    }

    /** One request, waited for: anything but OK is a one-line error naming the device and what failed. */
    static void io(UbdDriver driver, Disk disk, IoOp op, long pos, ByteBuffer buf, String what) {
        IoStatus s = driver.submit(disk, op, pos, buf, 0).join();
        if (s != IoStatus.OK) {
            throw new UbdException(disk.name() + ": " + what + " failed: " + s.words());
        }
    }

    /** The driver's kernel messages ("Creating ...", lock and mismatch lines) go to stderr, as a console would show them. */
    public static org.ubdjava.core.device.KernelLog stderr(CommandSpec spec) {
        PrintWriter err = spec.commandLine().getErr();
        return line -> {
            err.println(line);
            err.flush();
        };
    }
}
