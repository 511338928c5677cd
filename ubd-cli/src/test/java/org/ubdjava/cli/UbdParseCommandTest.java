package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine;

class UbdParseCommandTest {

    private record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\\R"));
        }

        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\\R"));
        }

        JsonNode json() throws Exception {
            return Json.mapper().readTree(out);
        }
    }

    private static Run run(String... args) {
        CommandLine cl = CommandLines.create(new UbdParseCommand(), false);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void goodOptionsPrintTheTableAndExitZero() {
        Run run = run("ubd0=cow.img,root_fs", "ubdbr=disk.img", "ubd2=a,,SER");

        assertEquals(ExitCodes.OK, run.exitCode());
        assertEquals(List.of(
                "INDEX  NAME  FILE      BACKING  SERIAL  FLAGS",
                "0      ubda  cow.img   root_fs  -       -",
                "1      ubdb  disk.img  -        -       r",
                "2      ubdc  a         -        SER     -"), run.outLines());
        assertEquals("", run.err());
    }

    @Test
    void humanTableColumnsWidenForLongCells() {
        Run run = run("ubd15tc=/very/long/path/cow-15.img:/srv/backing.img,serial-0015");

        assertEquals(List.of(
                "INDEX  NAME  FILE                        BACKING           SERIAL       FLAGS",
                "0      ubda  root_fs                     -                 -            -",
                "15     ubdp  /very/long/path/cow-15.img  /srv/backing.img  serial-0015  ct"), run.outLines());
    }

    @Test
    void noOptionForUbd0StillShowsTheRootFsDefault() {
        Run run = run("root=/dev/ubda");

        assertEquals(ExitCodes.OK, run.exitCode());
        assertEquals(List.of(
                "INDEX  NAME  FILE     BACKING  SERIAL  FLAGS",
                "0      ubda  root_fs  -        -       -"), run.outLines());
        assertEquals(List.of("note: \"root=/dev/ubda\" is not a ubd option; ignored"), run.errLines());
    }

    @Test
    void eachFailedOptionIsOneKernelLineOnStderrAndExitOne() {
        Run run = run("ubd0x=foo", "ubd1=ok.img", "ubd1=again.img", "ubd0d=a,b");

        assertEquals(ExitCodes.FAILED, run.exitCode());
        assertEquals(List.of(
                "Failed to initialize device with \"0x=foo\" : Expected '=' or flag letter (r, s, c, t or d)",
                "Failed to initialize device with \"1=again.img\" : Device is already configured",
                "Failed to initialize device with \"0d=a\" : Can't specify both 'd' and a cow file"), run.errLines());
        assertEquals(List.of(
                "INDEX  NAME  FILE     BACKING  SERIAL  FLAGS",
                "0      ubda  root_fs  -        -       d",
                "1      ubdb  ok.img   -        -       -"), run.outLines());
    }

    @Test
    void warningsGoToStderrButDoNotFail() {
        Run run = run("ubd=98", "fake_ide", "udb0=x", "ubd=sync", "ubd1=a");

        assertEquals(ExitCodes.OK, run.exitCode());
        assertEquals(List.of(
                "fake major not supported any more",
                "The fake_ide option has been removed",
                "udb0=x specified on command line is almost certainly a ubd -> udb TYPO"), run.errLines());
        assertTrue(run.outLines().contains("1      ubdb  a        -        -       s"), run::out);
    }

    @Test
    void jsonHasTheDocumentedKeysAndValues() throws Exception {
        Run run = run("--json", "ubd0rc=cow.img:root_fs", "ubd16=x", "ubd=mmap", "console=tty0");

        assertEquals(ExitCodes.FAILED, run.exitCode());
        assertEquals("", run.err(), "JSON mode keeps stderr clean");
        JsonNode json = run.json();
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("devices", "errors", "warnings", "ignored"), keys);

        assertEquals(1, json.get("devices").size());
        JsonNode ubda = json.get("devices").get(0);
        List<String> deviceKeys = new ArrayList<>();
        ubda.fieldNames().forEachRemaining(deviceKeys::add);
        assertEquals(List.of("index", "name", "file", "backing", "serial", "flags"), deviceKeys);
        assertEquals(0, ubda.get("index").asInt());
        assertEquals("ubda", ubda.get("name").asText());
        assertEquals("cow.img", ubda.get("file").asText());
        assertEquals("root_fs", ubda.get("backing").asText());
        assertTrue(ubda.get("serial").isNull());
        assertEquals("rc", ubda.get("flags").asText());

        assertEquals(1, json.get("errors").size());
        assertEquals("ubd16=x", json.get("errors").get(0).get("argument").asText());
        assertEquals("Failed to initialize device with \"16=x\" : Device number out of range",
                json.get("errors").get(0).get("message").asText());
        assertEquals(1, json.get("warnings").size());
        assertEquals("ubd=mmap", json.get("warnings").get(0).get("argument").asText());
        assertEquals("fake major not supported any more", json.get("warnings").get(0).get("message").asText());
        assertEquals("console=tty0", json.get("ignored").get(0).asText());
        assertEquals(1, json.get("ignored").size());
    }

    @Test
    void jsonWithoutErrorsExitsZeroWithEmptyLists() throws Exception {
        Run run = run("--json", "ubd0=a");

        assertEquals(ExitCodes.OK, run.exitCode());
        JsonNode json = run.json();
        assertEquals(0, json.get("errors").size());
        assertEquals(0, json.get("warnings").size());
        assertEquals(0, json.get("ignored").size());
        assertEquals("", json.get("devices").get(0).get("flags").asText());
    }

    @Test
    void noSpecIsAWrongCommandLine() {
        Run run = run();

        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().startsWith("parse: Missing required parameter: 'SPEC'"), run::err);
        assertTrue(run.err().contains("Usage: parse"), run::err);
    }

    @Test
    void unknownOptionIsAWrongCommandLine() {
        Run run = run("--jsn", "ubd0=a");

        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().startsWith("parse: Unknown option: '--jsn'"), run::err);
    }

    @Test
    void helpExitsZeroAndDescribesSpec() {
        Run run = run("--help");

        assertEquals(ExitCodes.OK, run.exitCode());
        assertTrue(run.out().startsWith("Usage: parse [-hV] [--json] SPEC..."), run::out);
    }
}
