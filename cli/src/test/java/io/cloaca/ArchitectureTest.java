package io.cloaca;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.properties.HasModifiers;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.conditions.ArchConditions;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The layout the code must keep: the engine knows nothing of Python, the API or the command line; the
 * public API ({@code io.cloaca.api}) shows no library or internal type; SQL is written by the store only.
 * Here, in the command-line module, because its class path holds every module.
 */
@AnalyzeClasses(packages = "io.cloaca", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule the_engine_depends_on_no_other_module = noClasses()
            .that().resideInAPackage("io.cloaca.engine..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.cloaca.python..", "io.cloaca.api..", "io.cloaca.cli..", "io.cloaca.bench..")
            .because("the engine is pure Java; the Python bridge, the API and the CLI are built on it, not beside it");

    @ArchTest
    static final ArchRule the_python_bridge_depends_on_neither_the_api_nor_the_cli = noClasses()
            .that().resideInAPackage("io.cloaca.python..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.cloaca.api..", "io.cloaca.cli..", "io.cloaca.bench..");

    @ArchTest
    static final ArchRule the_api_depends_on_neither_the_cli_nor_the_benchmarks = noClasses()
            .that().resideInAPackage("io.cloaca.api..")
            .should().dependOnClassesThat().resideInAnyPackage("io.cloaca.cli..", "io.cloaca.bench..");

    /** Types an embedder must never see: the engine's libraries and the internal packages. */
    private static final DescribedPredicate<JavaClass> HIDDEN = resideInAnyPackage(
            "com.fasterxml..", "com.zaxxer..", "java.sql..", "javax.sql..", "org.graalvm..", "org.flywaydb..",
            "io.cloaca.engine..", "io.cloaca.python..", "io.cloaca.cli..", "io.cloaca.bench..")
            .as("Jackson, HikariCP, JDBC, Flyway, GraalVM or internal cloaca types");

    @ArchTest
    static final ArchRule the_api_shows_no_library_or_internal_type = classes()
            .that().resideInAPackage("io.cloaca.api").and().arePublic()
            .should(exposeNone(HIDDEN));

    /** java.sql types that only carry a transaction the store opened through other code (e.g. cron's firer). */
    private static final DescribedPredicate<JavaClass> CARRIED_TRANSACTION = DescribedPredicate.describe(
            "a Connection or SQLException handed through",
            c -> c.getName().equals("java.sql.Connection") || c.getName().equals("java.sql.SQLException"));

    private static final DescribedPredicate<JavaClass> STORE = DescribedPredicate.describe(
            "store classes (package ..store.. or named *Store)",
            c -> c.getPackageName().matches(".*\\.store(\\..*)?") || topLevel(c).getSimpleName().endsWith("Store"));

    @ArchTest
    static final ArchRule only_the_store_writes_sql = noClasses()
            .that(DescribedPredicate.not(STORE))
            // The benchmarks' raw-JDBC baselines measure the database without the engine, on purpose.
            .and().resideOutsideOfPackage("io.cloaca.bench..")
            .should(writeSql());

    /** The rules bite: each finds what it forbids where that is known to be (not vacuously green). */
    @ArchTest
    static void the_rules_find_what_they_forbid(JavaClasses all) {
        assertThrows(AssertionError.class, () -> classes().that().haveFullyQualifiedName("io.cloaca.python.PythonRuntime")
                .should(exposeNone(HIDDEN)).check(all), "PythonRuntime shows GraalVM's Context");
        assertThrows(AssertionError.class, () -> noClasses().that().resideInAPackage("io.cloaca.bench..")
                .should(writeSql()).check(all), "the benchmarks' baselines write SQL");
        assertThrows(AssertionError.class, () -> noClasses().that().resideInAPackage("io.cloaca.python..")
                .should().dependOnClassesThat().resideInAPackage("io.cloaca.engine..").check(all),
                "the bridge uses the engine");
    }

    private static ArchCondition<JavaClass> writeSql() {
        return ArchConditions.dependOnClassesThat(resideInAnyPackage("java.sql..", "javax.sql..")
                        .and(DescribedPredicate.not(CARRIED_TRANSACTION)))
                .as("write SQL (use JDBC beyond a Connection handed through)");
    }

    private static JavaClass topLevel(JavaClass c) {
        JavaClass top = c;
        while (top.getEnclosingClass().isPresent()) {
            top = top.getEnclosingClass().get();
        }
        return top;
    }

    private static ArchCondition<JavaClass> exposeNone(DescribedPredicate<JavaClass> hidden) {
        return new ArchCondition<>("show no " + hidden.getDescription() + " in a public signature") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                List<String> found = new ArrayList<>();
                c.getRawSuperclass().filter(hidden).ifPresent(t -> found.add("extends " + t.getName()));
                c.getRawInterfaces().stream().filter(hidden).forEach(t -> found.add("implements " + t.getName()));
                for (JavaField field : c.getFields()) {
                    if (visible(field)) {
                        field.getType().getAllInvolvedRawTypes().stream().filter(hidden)
                                .forEach(t -> found.add("field " + field.getName() + ": " + t.getName()));
                    }
                }
                for (JavaCodeUnit unit : c.getCodeUnits()) {
                    if (!visible(unit)) {
                        continue;
                    }
                    Set<JavaClass> types = new LinkedHashSet<>(unit.getReturnType().getAllInvolvedRawTypes());
                    unit.getParameterTypes().forEach(p -> types.addAll(p.getAllInvolvedRawTypes()));
                    types.addAll(unit.getThrowsClause().getTypes());
                    types.stream().filter(hidden).forEach(t -> found.add(unit.getFullName() + ": " + t.getName()));
                }
                found.forEach(f -> events.add(SimpleConditionEvent.violated(c, c.getName() + " shows " + f)));
            }
        };
    }

    private static boolean visible(HasModifiers member) {
        return member.getModifiers().contains(JavaModifier.PUBLIC) || member.getModifiers().contains(JavaModifier.PROTECTED);
    }
}
