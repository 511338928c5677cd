package org.ubdjava.harness.cli;

import java.io.PrintWriter;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;

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

    /** The driver's kernel messages ("Creating ...", lock and mismatch lines) go to stderr, as a console would show them. */
    public static org.ubdjava.core.device.KernelLog stderr(CommandSpec spec) {
        PrintWriter err = spec.commandLine().getErr();
        return line -> {
            err.println(line);
            err.flush();
        };
    }
}
