package io.cloaca.cli;

import io.cloaca.cli.ui.UiServer;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cloaca ui} in a real browser: Debian's headless chromium driven by Selenium, looking at
 * executions a real runner is working on. Without chromium these tests are skipped on a developer's
 * machine and fail in CI (where {@code CI} is set and {@code .ci/run} installs it).
 *
 * <p>Set {@code -Dcloaca.ui.screenshot=docs/ui-execution.png} to refresh the screenshot in the docs.
 */
class UiBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The page's colours (app.css) as the browser computes them. */
    private static final String RUNNING = "rgb(245, 184, 61)";
    private static final String COMPLETED = "rgb(76, 175, 110)";
    private static final String FAILED = "rgb(224, 82, 74)";
    private static final String SCRIPT_ERROR = "bad row: <script>window.pwned = 1</script>";

    private static final CountDownLatch RELEASE = new CountDownLatch(1);
    private static UiFixture ui;
    private static WebDriver driver;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && System.getenv("CI") != null) {
            fail("CI needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install -y --no-install-recommends chromium chromium-driver");
        }
        assumeTrue(present, "no chromium/chromedriver in /usr/bin: browser tests skipped");
        Workflow live = Workflow.builder("live")
                .task("wait_here", ctx -> {
                    if (!RELEASE.await(UiFixture.GENEROUS.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never released this task");
                    }
                    return ctx.set("released", true);
                })
                .task("after", List.of("wait_here"), ctx -> ctx.set("after", true))
                .build();
        Workflow fails = Workflow.builder("fails")
                .task("only", List.of(), RetryPolicy.NONE, ctx -> {
                    throw new IllegalStateException("down");
                })
                .build();
        // "ten" fails its flaky task once per workflow object: only one test runs it.
        ui = new UiFixture(null, live, UiFixture.tenTasks("ten", SCRIPT_ERROR), fails);
        Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
        profile = Files.createTempDirectory("cloaca-ui-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,1400");
        // The driver's path is given, so Selenium Manager never runs (nor reaches for the network).
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        RELEASE.countDown();
        if (driver != null) {
            driver.quit();
        }
        if (ui != null) {
            ui.close();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** {@code levels} levels of {@code width} tasks, each depending on two tasks of the level before. */
    private static Workflow wide(int levels, int width) {
        Workflow.Builder b = Workflow.builder("wide");
        for (int level = 0; level < levels; level++) {
            for (int i = 0; i < width; i++) {
                List<String> deps = level == 0 ? List.of()
                        : List.of("t" + (level - 1) + "_" + i, "t" + (level - 1) + "_" + ((i + 7) % width));
                b.task("t" + level + "_" + i, deps, ctx -> ctx);
            }
        }
        return b.build();
    }

    private static <T> T await(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, UiFixture.GENEROUS, Duration.ofMillis(50))
                .ignoring(StaleElementReferenceException.class).until(condition);
    }

    /** The colour the browser paints a node in, read in one step (the page redraws as it updates). */
    private static String fill(String task) {
        return (String) ((JavascriptExecutor) driver).executeScript("const r = document.querySelector("
                + "`#dag g.node[data-task='${arguments[0]}'] rect`); return r && getComputedStyle(r).fill;", task);
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    @Test
    void aRunningTaskTurnsCompletedWhileThePageWatches() {
        Runner.Submission run = ui.runner.submit("live", Context.empty());
        driver.get(ui.server.address().toString());
        By row = By.cssSelector("tr[data-id='" + run.executionId() + "']");
        // The list redraws whenever the database changes, so each look finds the row afresh.
        assertEquals("Running", await(d -> d.findElement(row).findElement(By.cssSelector(".badge")).getText()));
        assertEquals("live", await(d -> d.findElement(row).findElements(By.tagName("td")).get(1).getText()));
        await(d -> {
            d.findElement(row).click();
            return true;
        });

        await(d -> d.findElements(By.cssSelector("#dag g.node[data-task='wait_here']")).size() == 1);
        assertEquals(RUNNING, fill("wait_here"));
        js("window.sameDocument = true");
        RELEASE.countDown();

        await(d -> COMPLETED.equals(fill("wait_here")));
        await(d -> COMPLETED.equals(fill("after")));
        await(d -> "Completed".equals(d.findElement(By.id("exec-status")).getText()));
        assertEquals(true, js("return window.sameDocument === true"), "updated in place, without a reload");
        assertEquals(1, driver.findElements(By.cssSelector("#dag path.edge[data-to$='::after']")).size());
        assertEquals(ExecutionStatus.Completed, run.result().join().status());
    }

    @Test
    void aFailureARetryAndAnErrorWithMarkupAreShownAsTheyAre() throws Exception {
        ExecutionResult result = ui.runner.execute("ten", Context.empty());
        assertEquals(ExecutionStatus.Failed, result.status());
        driver.get(ui.server.address() + "#/executions/" + result.executionId());

        // Ten tasks ran once, one of them twice: eleven bars.
        await(d -> d.findElements(By.cssSelector("#timeline rect.bar")).size() == 11);
        assertEquals(10, driver.findElements(By.cssSelector("#dag g.node")).size());
        assertEquals(2, driver.findElements(By.cssSelector("#timeline rect.bar[data-task='flaky']")).size());
        assertEquals(FAILED, fill("broken"));
        assertEquals(COMPLETED, fill("flaky"));

        // The page redraws as the database changes, so each read finds its elements afresh (await retries a
        // read that a redraw made stale).
        By brokenError = By.cssSelector("details.task[data-task='broken'] pre.task-error");
        Boolean shown = await(d -> d.findElement(brokenError).isDisplayed());
        assertTrue(shown, "a failed task's error is open to read");
        String errorText = await(d -> d.findElement(brokenError).getText());
        assertTrue(errorText.contains(SCRIPT_ERROR), errorText);
        assertEquals(true, js("return window.pwned === undefined"), "the error's script never ran");
        assertEquals(1L, js("return document.scripts.length"));

        By flakySummary = By.cssSelector("details.task[data-task='flaky'] > summary");
        await(d -> {
            d.findElement(flakySummary).click();
            return true;
        });
        List<String> attempts = await(d -> {
            List<String> rows = new ArrayList<>();
            for (WebElement tr : d.findElements(By.cssSelector("details.task[data-task='flaky'] table.attempts tr"))) {
                rows.add(tr.getText());
            }
            return rows;
        });
        assertEquals(3, attempts.size(), attempts.toString());
        assertTrue(attempts.get(1).contains("Retried") && attempts.get(1).contains("connection reset"), attempts.get(1));
        assertTrue(attempts.get(2).contains("Completed"), attempts.get(2));
        await(d -> {
            d.findElement(flakySummary).click();
            return true;
        });

        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", "ui-execution.png"), StandardCopyOption.REPLACE_EXISTING);
        String target = System.getProperty("cloaca.ui.screenshot");
        if (target != null) {
            Files.copy(shot, Path.of(target), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void fiveHundredTasksAreDrawnWithoutOverlap() {
        // Written as a runner starts an execution, but "wide" is registered with no runner, so its
        // tasks stay Ready and NotStarted: the layout is what is under test, not 500 task runs.
        String id = java.util.UUID.randomUUID().toString();
        new ExecutionStore(ui.runner.database(), ui.runner.schema()).createExecution(id, "wide", wide(10, 50), "{}", System.currentTimeMillis());
        driver.get(ui.server.address() + "#/executions/" + id);
        await(d -> Long.valueOf(500).equals(js("return document.querySelectorAll('#dag g.node').length")));
        Object overlaps = js("""
                const boxes = [...document.querySelectorAll('#dag g.node')].map(g => {
                  const [x, y] = g.getAttribute('transform').match(/[-\\d.]+/g).map(Number);
                  const r = g.querySelector('rect');
                  return {x, y, w: +r.getAttribute('width'), h: +r.getAttribute('height')};
                });
                let n = 0;
                for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                  const a = boxes[i], b = boxes[j];
                  if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) n++;
                }
                return n;""");
        assertEquals(0L, overlaps);
        assertEquals(900L, js("return document.querySelectorAll('#dag path.edge').length"));
        assertEquals(50L, js("return document.querySelectorAll('#dag g.node[data-status=Ready]').length"));
        // Levels run left to right: a task of level 9 lies right of every task of level 0.
        Object ordered = js("""
                const x = t => +document.querySelector(`#dag g.node[data-task='${t}']`)
                    .getAttribute('transform').match(/[-\\d.]+/)[0];
                return x('t9_0') > x('t0_49') && x('t1_3') > x('t0_3');""");
        assertEquals(true, ordered);
    }

    @Test
    void theListFiltersByStatus() throws Exception {
        ExecutionResult failed = ui.runner.execute("fails", Context.empty());
        driver.get(ui.server.address() + "#/?status=Failed");
        await(d -> !d.findElements(By.cssSelector("tr[data-id='" + failed.executionId() + "']")).isEmpty());
        // Read the badges in one script call: the live list may re-render between two WebDriver calls.
        Object badges = js("return [...document.querySelectorAll('#executions tbody .badge')].map(b => b.textContent)");
        assertTrue(badges instanceof List<?> list && !list.isEmpty() && list.stream().allMatch("Failed"::equals),
                "only Failed executions are listed: " + badges);
        assertEquals("Failed", driver.findElement(By.id("filter-status")).getAttribute("value"));
        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", "ui-list.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aDatabaseNotThereYetIsShownAndTheListAppearsOnceItIs() throws Exception {
        Path later = ui.directory.resolve("later.db");
        try (UiServer server = UiServer.start(new UiServer.Options(DatabaseUrl.parse("sqlite://" + later),
                "127.0.0.1", 0, null, Duration.ofMillis(100)))) {
            driver.get(server.address().toString());
            WebElement banner = driver.findElement(By.id("banner"));
            await(d -> banner.isDisplayed() && banner.getText().contains("no SQLite database at " + later));

            try (Runner runner = Runner.open("sqlite://" + later, RunnerConfig.DEFAULT, UiFixture.hello())) {
                String id = runner.execute("hello", Context.empty()).executionId();
                await(d -> !d.findElements(By.cssSelector("tr[data-id='" + id + "']")).isEmpty());
                assertTrue(!banner.isDisplayed(), "the banner goes once the database can be read");
            }
        }
    }

    @Test
    void theTenantPickerSwitchesBetweenSchemas() throws Exception {
        try (TestPostgres pg = TestPostgres.createDatabase()) {
            String id = UiFixture.twoTenants(pg);
            String base = pg.url();
            try (UiServer server = UiServer.start(new UiServer.Options(DatabaseUrl.parse(base), "127.0.0.1", 0, null,
                    Duration.ofMillis(100)))) {
                driver.get(server.address().toString());
                await(d -> d.findElement(By.id("schema-picker")).isDisplayed()
                        && d.findElements(By.cssSelector("#schema option")).size() == 3);
                await(d -> d.findElement(By.id("note")).getText().startsWith("No cloaca tables here yet"));
                new Select(driver.findElement(By.id("schema"))).selectByValue("tenant_a");
                await(d -> !d.findElements(By.cssSelector("tr[data-id='" + id + "']")).isEmpty());
                new Select(driver.findElement(By.id("schema"))).selectByValue("tenant_b");
                await(d -> "0 executions".equals(d.findElement(By.id("note")).getText()));
                driver.navigate().refresh();
                await(d -> "0 executions".equals(d.findElement(By.id("note")).getText()));
                assertTrue(!driver.findElement(By.id("banner")).isDisplayed(), "a reload keeps the tenant, without error");
            }
        }
    }

    @Test
    void withATokenThePageFromThePrintedAddressWorksAndOthersGetNothing() throws Exception {
        ExecutionResult done = ui.runner.execute("fails", Context.empty());
        try (UiServer guarded = UiServer.start(new UiServer.Options(DatabaseUrl.parse(ui.url), "127.0.0.1", 0,
                "t0ken", Duration.ofMillis(100)))) {
            URI address = guarded.address();
            driver.get(address.toString());
            await(d -> !d.findElements(By.cssSelector("tr[data-id='" + done.executionId() + "']")).isEmpty());
            await(d -> "live".equals(d.findElement(By.id("live")).getText()));

            driver.get("http://127.0.0.1:" + address.getPort() + "/api/executions?token=wrong");
            assertTrue(driver.findElement(By.tagName("body")).getText().contains("A token is required"));
        }
    }
}
