package org.ubdjava.harness.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.RegularFiles;

/**
 * Tells a trace's format from its first bytes: fio's header line; vscsi's version fields (bytes
 * no text has); otherwise the first non-blank line's shape. Only the first {@value #HEAD} bytes
 * are read.
 */
final class FormatSniffer {
    static final int HEAD = 4096;

    private static final Pattern FIO = Pattern.compile("fio version [23] iolog\\s*");
    private static final Pattern BLKPARSE = Pattern.compile(
            "\\s*\\d+,\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\.\\d+\\s+\\d+\\s+[A-Za-z]{1,2}\\s+[A-Z]+(\\s.*)?");
    private static final Pattern MSR = Pattern.compile(
            "(\\d+,[^,]*,\\d+,(?i:read|write),\\d+,\\d+,\\d+|(?i:timestamp,hostname,disknumber,type,offset,size,responsetime))\\s*");
    private static final Pattern ALIBABA = Pattern.compile(
            "(\\d+,[RWrw],\\d+,\\d+,\\d+|(?i:device_id,opcode,offset,length,timestamp))\\s*");

    private FormatSniffer() {
    }

    static TraceFormat detect(Path path) {
        byte[] head = readHead(path);
        if (head.length == 0) {
            throw TraceFormatException.ofFile(path, "empty file, not a trace");
        }
        if (VscsiReader.probeVersion(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN)) != 0) {
            return TraceFormat.VSCSI;
        }
        String line = firstLine(head);
        if (FIO.matcher(line).matches()) {
            return TraceFormat.FIO_IOLOG;
        }
        if (BLKPARSE.matcher(line).matches()) {
            return TraceFormat.BLKPARSE;
        }
        if (MSR.matcher(line).matches()) {
            return TraceFormat.MSR_CSV;
        }
        if (ALIBABA.matcher(line).matches()) {
            return TraceFormat.ALIBABA_CSV;
        }
        throw TraceFormatException.ofFile(path, "not a trace format this tool knows (first line "
                + TraceFormatException.quote(line) + "); known: fio iolog v2/v3, blkparse text, MSR Cambridge CSV,"
                + " CloudPhysics vscsi v1/v2, Alibaba block CSV; name the format to see what is wrong ("
                + TraceFormat.cliNames() + ")");
    }

    /** The first non-blank line of {@code head}, without its line end (perhaps cut at HEAD bytes). */
    private static String firstLine(byte[] head) {
        int s = 0;
        while (true) {
            int e = s;
            while (e < head.length && head[e] != '\n') {
                e++;
            }
            String line = new String(head, s, e - s, StandardCharsets.ISO_8859_1).replace("\r", "");
            if (!line.isBlank() || e >= head.length) {
                return line;
            }
            s = e + 1;
        }
    }

    private static byte[] readHead(Path path) {
        RegularFiles.require(path, "a trace"); // a FIFO would block the open, and a trace is read more than once
        try (InputStream in = Files.newInputStream(path)) {
            return in.readNBytes(HEAD);
        } catch (NoSuchFileException e) {
            throw new UbdException(path + ": no such file");
        } catch (IOException e) {
            throw new UbdException(path + ": cannot read: " + e.getMessage(), e);
        }
    }
}
