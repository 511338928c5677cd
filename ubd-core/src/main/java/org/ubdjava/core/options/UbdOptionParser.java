package org.ubdjava.core.options;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.ubdjava.core.UbdException;

/**
 * The kernel's {@code ubd} boot-option parser (Linux 6.x {@code ubd_setup_common}),
 * stateful like the kernel: it keeps the global defaults and the 16-slot device table, and each
 * call to {@link #parse} sees the effects of the earlier ones.
 *
 * <p>Arguments are single command-line words as the kernel's {@code parse_args} hands them over
 * (quotes already removed). The kernel routes by prefix: {@code ubd…} to this parser, {@code udb…}
 * to a typo warning, {@code fake_ide…} (or {@code fake-ide…}: boot-option names treat {@code -} and
 * {@code _} alike) to a removal warning; everything else is not ours.
 *
 * <p>Kernel quirks reproduced on purpose, because a reimplementation must configure the same
 * devices from the same command line:
 * <ul>
 *   <li>{@code ubd=sync} changes the defaults of options parsed <em>after</em> it only.</li>
 *   <li>The flags {@code d}, {@code c}, {@code t} are stored in the slot while the flag letters
 *       are read, so they stay even when the same option then fails, and they apply to any later
 *       option for that unit ({@code ubd1d=} then {@code ubd1=a,b} fails with "Can't specify both
 *       'd' and a cow file"). {@code r} and {@code s} are kept only when the option succeeds.</li>
 *   <li>An option without a file ({@code ubd1=}, {@code ubd0=,back}) succeeds and still stores
 *       its backing file, serial and flags in the slot, which stays unconfigured.</li>
 *   <li>Unit numbers are read by {@link KernelUnitNumber} (base 0 {@code strtoul}, wrap-around).</li>
 * </ul>
 *
 * <p>Not thread-safe: the kernel parses boot options one at a time.
 */
public final class UbdOptionParser {

    static final String COULD_NOT_PARSE_UNIT = "Couldn't parse device number";
    static final String UNIT_OUT_OF_RANGE = "Device number out of range";
    static final String ALREADY_CONFIGURED = "Device is already configured";
    static final String EXPECTED_FLAG = "Expected '=' or flag letter (r, s, c, t or d)";
    static final String TOO_MANY_FLAGS = "Too many flags specified";
    static final String MISSING_EQUALS = "Missing '='";
    static final String D_WITH_BACKING = "Can't specify both 'd' and a cow file";
    static final String FAKE_MAJOR_GONE = "fake major not supported any more";
    static final String FAKE_IDE_GONE = "The fake_ide option has been removed";
    static final String TYPO_SUFFIX = " specified on command line is almost certainly a ubd -> udb TYPO";

    /** ubd0's file when no option gave it one; the kernel's {@code ubd0_init}. */
    public static final String DEFAULT_UBD0_FILE = "root_fs";

    /**
     * The flag loop runs {@code sizeof("rscdt=")} = 7 times and one of those must meet the
     * {@code '='}: so six letters at most.
     */
    static final int FLAG_LOOP_ROUNDS = 7;

    private static final String FIELD_SEPARATORS = ",:";

    private final DeviceSlot[] slots = new DeviceSlot[UbdDeviceConfig.MAX_DEV];
    private boolean syncByDefault;

    public UbdOptionParser() {
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new DeviceSlot();
        }
    }

    /**
     * Feeds one kernel command-line argument, e.g. {@code "ubd0=cow.img,root_fs"},
     * {@code "ubd=sync"}, {@code "udb0=x"} or {@code "root=/dev/ubda"}.
     *
     * <p>Never throws for a non-null argument. A C string ends at its first NUL, so anything
     * from a {@code '\0'} on is invisible to the kernel and is ignored here too.
     */
    public ParseOutcome parse(String argument) {
        Objects.requireNonNull(argument, "argument");
        int nul = argument.indexOf('\0');
        String seen = nul < 0 ? argument : argument.substring(0, nul);
        if (seen.startsWith("ubd")) {
            return parseUbdOption(argument, seen.substring("ubd".length()));
        }
        if (seen.startsWith("udb")) {
            return new ParseOutcome.Warning(argument, seen + TYPO_SUFFIX);
        }
        if (isFakeIde(seen)) {
            return new ParseOutcome.Warning(argument, FAKE_IDE_GONE);
        }
        return new ParseOutcome.Ignored(argument);
    }

    /**
     * The one way a single SPEC ({@code ubd0=cow.img,root_fs}) becomes a device: the driver's
     * attach, the replay and every command that takes a SPEC come here, so they fail alike.
     *
     * @throws UbdException with the parser's own message, or saying that the SPEC configures no device
     */
    public static UbdDeviceConfig device(String spec) {
        ParseOutcome o = new UbdOptionParser().parse(spec);
        if (o instanceof ParseOutcome.Configured c) {
            return c.device();
        }
        throw new UbdException(o instanceof ParseOutcome.Failed f ? f.message()
                : "\"" + spec + "\" configures no device (expected ubd<N>[flags]=FILE[,BACKING[,SERIAL]])");
    }

    /** Feeds arguments in order; the outcomes are in the same order. */
    public List<ParseOutcome> parseAll(Iterable<String> arguments) {
        List<ParseOutcome> outcomes = new ArrayList<>();
        for (String argument : arguments) {
            outcomes.add(parse(argument));
        }
        return outcomes;
    }

    /** Whether {@code ubd=sync} has been seen, i.e. the next device option starts with {@code s}. */
    public boolean syncByDefault() {
        return syncByDefault;
    }

    /** The devices configured by options so far, by unit: slots that have a file. */
    public List<UbdDeviceConfig> configuredDevices() {
        List<UbdDeviceConfig> devices = new ArrayList<>();
        for (int unit = 0; unit < slots.length; unit++) {
            if (slots[unit].file != null) {
                devices.add(slots[unit].toConfig(unit, slots[unit].file));
            }
        }
        return devices;
    }

    /**
     * The device table the driver creates at boot: {@link #configuredDevices()} plus ubd0 with the
     * file {@value #DEFAULT_UBD0_FILE} when no option gave ubd0 a file (the kernel's
     * {@code ubd0_init}, which runs after option parsing).
     *
     * <p>The default only fills in the file: whatever else the slot holds stays, so
     * {@code ubd0=,back.img} yields ubd0 = root_fs over back.img, and {@code ubd0r=} a read-only
     * root_fs. A slot that no option touched has the compile-time flags, which do not include
     * {@code ubd=sync}: the global only reaches a slot through an option parsed after it.
     */
    public List<UbdDeviceConfig> devicesAtDriverInit() {
        List<UbdDeviceConfig> devices = configuredDevices();
        if (slots[0].file == null) {
            devices.add(0, slots[0].toConfig(0, DEFAULT_UBD0_FILE));
        }
        return devices;
    }

    private ParseOutcome parseUbdOption(String argument, String text) {
        if (text.startsWith("=")) {
            return parseGlobalOption(argument, text.substring(1));
        }
        // Each device option starts from a copy of the global defaults.
        boolean readOnly = false;
        boolean sync = syncByDefault;

        KernelUnitNumber unitNumber = KernelUnitNumber.read(text);
        int unit = unitNumber.value();
        if (unit < 0) {
            return new ParseOutcome.Failed(argument, text, COULD_NOT_PARSE_UNIT);
        }
        if (unit >= UbdDeviceConfig.MAX_DEV) {
            return new ParseOutcome.Failed(argument, text, UNIT_OUT_OF_RANGE);
        }
        DeviceSlot slot = slots[unit];
        if (slot.file != null) {
            return new ParseOutcome.Failed(argument, text, ALREADY_CONFIGURED);
        }

        int pos = unitNumber.end();
        boolean sawEquals = false;
        for (int round = 0; round < FLAG_LOOP_ROUNDS && !sawEquals; round++) {
            char c = pos < text.length() ? text.charAt(pos) : '\0';
            switch (c) {
                case 'r' -> readOnly = true;
                case 's' -> sync = true;
                // d, c and t go straight into the slot: the kernel never undoes them.
                case 'd' -> slot.noCow = true;
                case 'c' -> slot.shared = true;
                case 't' -> slot.noTrim = true;
                case '=' -> sawEquals = true;
                default -> {
                    return new ParseOutcome.Failed(argument, text, EXPECTED_FLAG);
                }
            }
            pos++;
        }
        if (!sawEquals) {
            boolean equalsNext = pos < text.length() && text.charAt(pos) == '=';
            return new ParseOutcome.Failed(argument, text, equalsNext ? TOO_MANY_FLAGS : MISSING_EQUALS);
        }

        FileFields fields = FileFields.split(text, pos);
        if (fields.backing() != null && slot.noCow) {
            // strsep has already cut the kernel's copy of the option at the first separator.
            return new ParseOutcome.Failed(argument, text.substring(0, fields.firstSeparatorIndex()), D_WITH_BACKING);
        }
        slot.file = fields.file();
        slot.backing = fields.backing();
        slot.serial = fields.serial();
        slot.readOnly = readOnly;
        slot.sync = sync;
        if (slot.file == null) {
            return new ParseOutcome.LeftUnconfigured(argument, unit);
        }
        return new ParseOutcome.Configured(argument, slot.toConfig(unit, slot.file));
    }

    private ParseOutcome parseGlobalOption(String argument, String value) {
        if (value.equals("sync")) {
            syncByDefault = true;
            return new ParseOutcome.SyncEnabled(argument);
        }
        // The fake major (ubd=<number>) and ubd=mmap are gone; anything else lands here too.
        return new ParseOutcome.Warning(argument, FAKE_MAJOR_GONE);
    }

    private static boolean isFakeIde(String text) {
        String name = "fake_ide";
        if (text.length() < name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = text.charAt(i) == '-' ? '_' : text.charAt(i);
            if (c != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The file, backing and serial fields after the {@code '='}: three {@code strsep(",:")}
     * calls, each empty field becoming absent, anything after a third separator dropped.
     * {@code firstSeparatorIndex} is the index in the whole option text of the first separator
     * (the text length when there is none).
     */
    private record FileFields(String file, String backing, String serial, int firstSeparatorIndex) {

        static FileFields split(String text, int start) {
            String[] fields = new String[3];
            int firstSeparator = text.length();
            int pos = start;
            for (int i = 0; i < fields.length && pos >= 0; i++) {
                int separator = indexOfSeparator(text, pos);
                if (i == 0 && separator >= 0) {
                    firstSeparator = separator;
                }
                String field = separator < 0 ? text.substring(pos) : text.substring(pos, separator);
                fields[i] = field.isEmpty() ? null : field;
                pos = separator < 0 ? -1 : separator + 1;
            }
            return new FileFields(fields[0], fields[1], fields[2], firstSeparator);
        }

        private static int indexOfSeparator(String text, int from) {
            for (int i = from; i < text.length(); i++) {
                if (FIELD_SEPARATORS.indexOf(text.charAt(i)) >= 0) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * One {@code ubd_devs[]} entry as far as option parsing is concerned. {@code file == null}
     * means unconfigured; the other fields may still hold values (see the class comment).
     */
    private static final class DeviceSlot {
        String file;
        String backing;
        String serial;
        boolean readOnly;
        boolean sync;
        boolean shared;
        boolean noCow;
        boolean noTrim;

        UbdDeviceConfig toConfig(int unit, String withFile) {
            return UbdDeviceConfig.of(unit, withFile, backing, serial, new UbdFlags(readOnly, sync, shared, noCow, noTrim));
        }
    }
}
