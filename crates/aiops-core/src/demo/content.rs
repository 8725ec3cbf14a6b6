//! The demo's texts: two small projects of a fictional shop, their repositories' files,
//! and the issues and comments a team would file against them. Fixed data, no
//! randomness: the same seed gives the same instance.

/// People who file issues, comment and commit in the demo (reserved `example.com`
/// addresses: they are names, not accounts).
pub const CAST: [(&str, &str); 4] = [
    ("Ana Lima", "ana@example.com"),
    ("Ben Okafor", "ben@example.com"),
    ("Chen Wei", "chen@example.com"),
    ("Dana Kovacs", "dana@example.com"),
];

/// One demo project: slug, name, description, its repository's commits (message, files)
/// and its issues (title, labels).
pub struct DemoProject {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub commits: &'static [(&'static str, &'static [(&'static str, &'static str)])],
    pub issues: &'static [(&'static str, &'static [&'static str])],
}

const WEB_README: &str = "# Web\n\nThe shop's storefront: product pages, search, cart and checkout.\n\n\
    ```sh\nnpm install\nnpm run dev\n```\n";
const WEB_AGENTS: &str = "# Notes for agents\n\n- Run `npm test` before every commit.\n\
    - Keep components small; no new dependencies without an issue.\n";
const WEB_PACKAGE: &str = "{\n  \"name\": \"shop-web\",\n  \"private\": true,\n  \"scripts\": {\n    \
    \"dev\": \"vite\",\n    \"test\": \"node --test\"\n  }\n}\n";
const WEB_INDEX: &str = "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
    <title>Shop</title></head>\n<body>\n  <main id=\"app\"></main>\n  \
    <script type=\"module\" src=\"./app.js\"></script>\n</body>\n</html>\n";
const WEB_APP: &str = "export function formatPrice(cents, currency = 'EUR') {\n  \
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);\n}\n\n\
    document.querySelector('#app').textContent = `Today's deal: ${formatPrice(1999)}`;\n";
const WEB_TEST: &str = "import { test } from 'node:test';\nimport assert from 'node:assert';\n\
    import { formatPrice } from '../src/app.js';\n\n\
    test('formats cents as euros', () => {\n  assert.strictEqual(formatPrice(1999), '€19.99');\n});\n";

const API_README: &str = "# API\n\nThe shop's HTTP API: products, orders, accounts.\n\n\
    ```sh\npython -m venv .venv && .venv/bin/pip install -r requirements.txt\n\
    .venv/bin/python -m shop_api\n```\n";
const API_AGENTS: &str = "# Notes for agents\n\n- Run `python -m pytest` before every commit.\n\
    - Every endpoint returns JSON errors as {\"error\": {\"code\", \"message\"}}.\n";
const API_REQS: &str = "flask==3.0.3\npytest==8.3.2\n";
const API_SERVER: &str = "from flask import Flask, jsonify\n\napp = Flask(__name__)\n\n\
    PRODUCTS = {1: {\"id\": 1, \"name\": \"Mug\", \"price_cents\": 1999}}\n\n\n\
    @app.get(\"/products/<int:product_id>\")\ndef product(product_id):\n    \
    return jsonify(PRODUCTS[product_id])\n";
const API_MAIN: &str = "from shop_api.server import app\n\nif __name__ == \"__main__\":\n    \
    app.run(port=8000)\n";
const API_TEST: &str = "from shop_api.server import app\n\n\n\
    def test_product():\n    resp = app.test_client().get(\"/products/1\")\n    \
    assert resp.json[\"name\"] == \"Mug\"\n";

pub const PROJECTS: [DemoProject; 2] = [
    DemoProject {
        slug: "web",
        name: "Web",
        description: "The shop's storefront (demo data)",
        commits: &[
            (
                "Start the storefront",
                &[("README.md", WEB_README), ("package.json", WEB_PACKAGE)],
            ),
            (
                "Render the deal of the day",
                &[("src/index.html", WEB_INDEX), ("src/app.js", WEB_APP)],
            ),
            (
                "Test the price formatting and note how agents work here",
                &[("test/app.test.js", WEB_TEST), ("AGENTS.md", WEB_AGENTS)],
            ),
        ],
        issues: &[
            (
                "Checkout button stays disabled after fixing a card error",
                &["bug", "checkout"],
            ),
            ("Add a dark mode toggle to the header", &["feature", "ui"]),
            (
                "Product images load at full size on mobile",
                &["bug", "performance"],
            ),
            (
                "Search box loses focus when the first results render",
                &["bug", "search"],
            ),
            ("Show the stock level on the product page", &["feature"]),
            (
                "Cart badge is off by one after removing an item",
                &["bug", "checkout"],
            ),
            ("Move the build from webpack to Vite", &["chore", "build"]),
            (
                "Keyboard navigation skips the size selector",
                &["bug", "accessibility"],
            ),
            (
                "Add alt text to every product thumbnail",
                &["accessibility"],
            ),
            (
                "Footer links return 404 in the German locale",
                &["bug", "i18n"],
            ),
            ("Lazy-load the reviews section", &["performance"]),
            (
                "Keep the cart across browser sessions",
                &["feature", "checkout"],
            ),
            (
                "Date picker starts the week on Sunday for en-GB",
                &["bug", "i18n"],
            ),
            ("Loading skeleton for the order history page", &["ui"]),
            ("Unit tests for the price formatting helper", &["tests"]),
            ("Password reset link opens a blank page", &["bug", "auth"]),
            (
                "Replace the hand-rolled modal with <dialog>",
                &["chore", "ui"],
            ),
            ("Wishlist: share a read-only link", &["feature"]),
            (
                "Home page Lighthouse score dropped below 80",
                &["performance"],
            ),
            (
                "Disabled buttons fail WCAG AA contrast",
                &["accessibility", "ui"],
            ),
            ("Remove the unused jQuery dependency", &["chore"]),
            (
                "Sort order resets when paging through results",
                &["bug", "search"],
            ),
            ("End-to-end test for guest checkout", &["tests", "checkout"]),
            (
                "Announce cart updates to screen readers",
                &["accessibility"],
            ),
            ("Document the local development setup", &["docs"]),
        ],
    },
    DemoProject {
        slug: "api",
        name: "API",
        description: "The shop's HTTP API (demo data)",
        commits: &[
            (
                "Start the API",
                &[("README.md", API_README), ("requirements.txt", API_REQS)],
            ),
            (
                "Serve products by id",
                &[
                    ("shop_api/__init__.py", ""),
                    ("shop_api/server.py", API_SERVER),
                    ("shop_api/__main__.py", API_MAIN),
                ],
            ),
            (
                "Test the product endpoint and note how agents work here",
                &[
                    ("tests/test_server.py", API_TEST),
                    ("AGENTS.md", API_AGENTS),
                ],
            ),
        ],
        issues: &[
            (
                "Orders endpoint returns 500 for an empty cart",
                &["bug", "orders"],
            ),
            ("Paginate GET /products", &["feature", "api"]),
            (
                "Rate-limit the login endpoint per IP",
                &["security", "auth"],
            ),
            (
                "Inventory goes negative under concurrent orders",
                &["bug", "orders"],
            ),
            (
                "Unknown product id answers 500 instead of 404",
                &["bug", "api"],
            ),
            (
                "Publish an OpenAPI document for the public endpoints",
                &["docs", "api"],
            ),
            (
                "Order history query is slow for large accounts",
                &["performance", "database"],
            ),
            ("Upgrade the database driver", &["chore", "database"]),
            ("Webhook retries never back off", &["bug", "webhooks"]),
            (
                "Health check endpoint for the load balancer",
                &["feature", "ops"],
            ),
            (
                "Tokens are not masked in the request log",
                &["security", "bug"],
            ),
            (
                "Support ETag on product responses",
                &["feature", "performance"],
            ),
            ("Flaky test: refund after a partial shipment", &["tests"]),
            ("Validate email addresses on sign-up", &["bug", "auth"]),
            ("Structured JSON logging", &["ops"]),
            ("Index orders by customer_id", &["database", "performance"]),
            (
                "Refunds ignore the original payment currency",
                &["bug", "orders"],
            ),
            ("Expose Prometheus metrics", &["ops", "feature"]),
            (
                "Two advisories in transitive dependencies",
                &["security", "chore"],
            ),
            (
                "Soft-delete products instead of removing rows",
                &["feature", "database"],
            ),
            (
                "Order timestamps are stored without an offset",
                &["bug", "database"],
            ),
            ("Contract tests against the web client", &["tests", "api"]),
            ("Coupon codes are case-sensitive", &["bug", "orders"]),
            ("Document the error response format", &["docs", "api"]),
            (
                "Graceful shutdown drops in-flight requests",
                &["bug", "ops"],
            ),
        ],
    },
];

/// What an issue's description says, by its first label's kind.
pub fn description(project: &str, title: &str, labels: &[&str]) -> String {
    let area = labels.get(1).copied().unwrap_or("general");
    if labels.contains(&"bug") {
        format!(
            "**What happens**\n\n{title}.\n\n**Expected**\n\nIt works as it did before the last \
             release of {project}.\n\n**Steps to reproduce**\n\n1. Start {project} locally \
             (see the README).\n2. Go through the {area} flow.\n3. Watch the result.\n"
        )
    } else if labels.iter().any(|l| ["feature", "ui"].contains(l)) {
        format!(
            "**Why**\n\nAsked for by several customers this quarter.\n\n**Proposal**\n\n{title}, \
             behind a setting at first.\n\n**Done when**\n\n- [ ] it is in {project} with tests\n\
             - [ ] the README mentions it\n"
        )
    } else {
        format!(
            "**Scope**\n\n{title}, in {project} only.\n\n**Done when**\n\n- [ ] the change is \
             merged\n- [ ] CI is green\n"
        )
    }
}

/// Comments, used in turn across issues.
pub const COMMENTS: [&str; 8] = [
    "I can reproduce this on main.",
    "Looks related to last week's release; bisecting now.",
    "Added a failing test on a branch; I'll open a PR once it is green.",
    "Can we split this in two? The second half needs a design decision first.",
    "Support confirmed three customers reported this.",
    "Not for this sprint, but let's keep it near the top of the backlog.",
    "I'd start with the simple approach and measure before optimising.",
    "Reviewed the proposal: looks good to me.",
];

/// The last comment of every closed issue.
pub const CLOSING_COMMENT: &str = "Fixed on main and verified on staging; closing.";

/// When the repositories' commits are dated: 2025-01-06 09:00 UTC, a day apart.
pub const FIRST_COMMIT_UNIX: i64 = 1_736_154_000;
