/**
 * Internal: the engine's persistence, not an API. Classes here change with the engine; embedders use
 * {@code io.cloaca.engine.execution.Runner} and read executions through its read-only
 * {@link io.cloaca.engine.store.ExecutionHistory} ({@code Runner.history()}).
 *
 * <p>{@link io.cloaca.engine.store.ExecutionStore} is the runners' entry point for every write of
 * execution state; it delegates to parts with one job each (creation, claims, completion, propagation,
 * orphan recovery, queries) around {@link io.cloaca.engine.store.ExecutionProgress}, the pure decision
 * of what an execution does next. Legal status changes are the tables of
 * {@link io.cloaca.engine.store.TaskStatus#canMoveTo} and
 * {@link io.cloaca.engine.store.ExecutionStatus#canMoveTo}.
 */
package io.cloaca.engine.store;
