package org.ubdjava.cli.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;

/**
 * The layout as the README draws it, checked on the compiled classes of every module (this
 * module's test classpath holds them all): arrows point down, no package cycle, picocli only in
 * the CLI. Maven keeps modules from importing upwards; this test also holds packages within a
 * module to it.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        // every module's main classes: not the test classes, nor the test jars other modules share
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("/test-support/")
                        && !location.contains("/test-support-"))
                .importPackages("org.ubdjava");
        if (main.stream().noneMatch(c -> c.getPackageName().startsWith("org.ubdjava.core"))
                || main.stream().noneMatch(c -> c.getPackageName().startsWith("org.ubdjava.export"))) {
            throw new AssertionError("the modules' classes are not on the classpath: " + main.size() + " classes imported");
        }
    }

    @Test
    void picocliOnlyInTheCli() {
        noClasses().that().resideOutsideOfPackage("org.ubdjava.cli..")
                .should().dependOnClassesThat().resideInAPackage("picocli..")
                .because("library modules know nothing of the command line")
                .check(main);
    }

    @Test
    void noPackageCycle() {
        slices().matching("org.ubdjava.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void everyArrowPointsDown() {
        Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("realtools").definedBy("org.ubdjava.realtools..")
                .layer("core").definedBy("org.ubdjava.core..")
                .layer("driver").definedBy("org.ubdjava.driver..")
                .layer("export").definedBy("org.ubdjava.export..")
                .layer("harness").definedBy("org.ubdjava.harness..")
                .layer("bench").definedBy("org.ubdjava.bench..")
                .layer("cli").definedBy("org.ubdjava.cli..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("bench").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("harness").mayOnlyBeAccessedByLayers("bench", "cli")
                .whereLayer("export").mayOnlyBeAccessedByLayers("bench", "cli")
                .whereLayer("driver").mayOnlyBeAccessedByLayers("export", "harness", "bench", "cli")
                .whereLayer("core").mayOnlyBeAccessedByLayers("driver", "export", "harness", "bench", "cli")
                .whereLayer("realtools").mayOnlyBeAccessedByLayers("harness", "bench", "cli")
                .check(main);
    }

    /** Inside the driver: the request loop composes the stack, which composes layers; layers never reach back up. */
    @Test
    void theDriverStacksDownwards() {
        noClasses().that().resideInAPackage("org.ubdjava.driver.device..")
                .should().dependOnClassesThat().resideInAnyPackage("org.ubdjava.driver.cache..", "org.ubdjava.driver.queue..")
                .check(main);
        noClasses().that().resideInAPackage("org.ubdjava.driver.cache..")
                .should().dependOnClassesThat().resideInAnyPackage("org.ubdjava.driver.queue..")
                .check(main);
    }
}
