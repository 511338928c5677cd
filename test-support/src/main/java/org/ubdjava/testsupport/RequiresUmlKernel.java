package org.ubdjava.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An interop test against the real UML kernel (and uml-utilities). Skipped, with a notice on the
 * console, where the kernel is missing or cannot boot; never passed silently.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("interop")
@ExtendWith({RealToolCondition.class, UmlKernelCondition.class})
public @interface RequiresUmlKernel {
}
