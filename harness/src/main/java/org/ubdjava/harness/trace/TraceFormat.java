package org.ubdjava.harness.trace;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.ubdjava.core.UbdException;

/** The trace formats the harness reads; see each reader for the details of its format. */
public enum TraceFormat {
    /** fio's iolog, version 2 or 3 (the first line says which). */
    FIO_IOLOG("fio", "fio iolog"),
    /** blkparse's default text output. */
    BLKPARSE("blkparse", "blkparse"),
    /** The MSR Cambridge CSV traces. */
    MSR_CSV("msr", "MSR Cambridge CSV"),
    /** CloudPhysics vscsi binary traces, v1 (32-byte records) or v2 (40-byte records). */
    VSCSI("vscsi", "vscsi"),
    /** The Alibaba cloud block trace CSV. */
    ALIBABA_CSV("alibaba", "Alibaba block CSV");

    private final String cliName;
    private final String displayName;

    TraceFormat(String cliName, String displayName) {
        this.cliName = cliName;
        this.displayName = displayName;
    }

    /** The name users give, e.g. with {@code ubd replay --format}. */
    public String cliName() {
        return cliName;
    }

    /** The name messages use. */
    public String displayName() {
        return displayName;
    }

    /**
     * The format named {@code name} ({@link #cliName()}, or the constant's name, case-insensitive).
     *
     * @throws UbdException naming the known formats if none is called so
     */
    public static TraceFormat fromName(String name) {
        for (TraceFormat f : values()) {
            if (f.cliName.equalsIgnoreCase(name.trim()) || f.name().equalsIgnoreCase(name.trim())) {
                return f;
            }
        }
        throw new UbdException("unknown trace format '" + name + "' (known: " + cliNames() + ")");
    }

    /** "fio, blkparse, msr, vscsi, alibaba". */
    public static String cliNames() {
        return Arrays.stream(values()).map(TraceFormat::cliName).collect(Collectors.joining(", "));
    }

    /**
     * The format of the trace at {@code path}, told from its first bytes.
     *
     * @throws TraceFormatException if no format matches, quoting the start of the file
     * @throws UbdException if the file cannot be read
     */
    public static TraceFormat detect(Path path) {
        return FormatSniffer.detect(path);
    }
}
