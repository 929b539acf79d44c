/**
 * The public Java API of cloaca: what an application embedding the engine uses, and the only surface
 * whose compatibility is promised. Everything in other packages ({@code io.cloaca.engine..},
 * {@code io.cloaca.python}, {@code io.cloaca.cli..}, {@code io.cloaca.bench}) is internal and may change in any release.
 *
 * <p>Start with {@link io.cloaca.api.Cloaca#configure()}: it ends in {@code start()}, which returns a
 * running engine. Register Java workflows ({@link io.cloaca.api.Workflow}, tasks as lambdas over a
 * {@link io.cloaca.api.Context}), load Python workflow files ({@link io.cloaca.api.Cloaca#python()}),
 * mix both in one workflow, and execute any of them by name; an {@link io.cloaca.api.ExecutionResult}
 * tells how it ended. {@link io.cloaca.api.Cloaca#execution} and {@link io.cloaca.api.Cloaca#executions} read
 * the executions the database holds, running or ended. No type of the engine's libraries (Jackson, HikariCP, JDBC, GraalVM) appears in
 * this package's signatures; an architecture test guards that.
 */
package io.cloaca.api;
