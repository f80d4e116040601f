// The reference web client: what a frontend does with the gateway, in plain JavaScript.
// Reads and mutations over HTTP (graphql.js), live changes over a websocket (live.js), every
// operation by name from operations.graphql. Amounts are shown as the API formats them
// (Money.formatted); nothing here computes money.

import { ApiError, GraphQLClient } from "./graphql.js";
import { LiveUpdates } from "./live.js";

const PAGE_SIZE = 10;
const TOKEN_KEY = "billing-gateway.token"; // sessionStorage: survives the trip to Checkout, not the tab
const SIGNED_OUT_KEY = "billing-gateway.signed-out";
const CURRENCY_KEY = "billing-gateway.currency";
const CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY"]; // the schema's Currency enum
const EURO_AREA = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split(" ");
const REGION_CURRENCY = { GB: "GBP", JP: "JPY", CA: "CAD", AU: "AUD" };

const PRODUCT = { PREMIUM_MONTHLY: "Premium monthly", PREMIUM_YEARLY: "Premium yearly" };
const PAYMENT_STATUS = {
  PENDING: "Pending",
  AWAITING_SETTLEMENT: "Awaiting settlement",
  COMPLETED: "Paid",
  FAILED: "Failed",
  EXPIRED: "Not completed",
  REFUNDED: "Refunded",
  PARTIALLY_REFUNDED: "Partially refunded",
  REQUIRES_ACTION: "Action required",
  DISPUTED: "Disputed",
};
const ERROR_TEXT = {
  ALREADY_SUBSCRIBED: "You already have a Premium subscription.",
  GIFT_CODE_NOT_FOUND: "No gift code matches what you typed.",
  GIFT_CODE_ALREADY_REDEEMED: "This gift code was already redeemed.",
  GIFT_CODE_EXPIRED: "This gift code has expired.",
  GIFT_CODE_REVOKED: "This gift code is no longer valid.",
  RATE_LIMITED: "Too many attempts. Please wait a few minutes and try again.",
  REDIRECT_URL_NOT_ALLOWED:
    "The gateway does not accept this page's address as a return address (its REDIRECT_ALLOWED_ORIGINS).",
};

const $ = (id) => document.getElementById(id);
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const day = (iso) => (iso ? dateFormat.format(new Date(iso)) : "");
const moment = (iso) => (iso ? timeFormat.format(new Date(iso)) : "");

/** A DOM element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** The user's last choice, else a guess from the browser's region (the API lists the prices). */
function initialCurrency() {
  const chosen = localStorage.getItem(CURRENCY_KEY);
  if (CURRENCIES.includes(chosen)) return chosen;
  const region = (navigator.language.split("-")[1] || "").toUpperCase();
  return REGION_CURRENCY[region] || (EURO_AREA.includes(region) ? "EUR" : "USD");
}

function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The token's `sub`, for display only (the gateway verifies tokens; the client cannot). */
function subjectOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "="))).sub ?? null;
  } catch {
    return null;
  }
}

/** dev puts the demo user's session into the page it serves (never `serve`). */
function demoSession() {
  const el = document.getElementById("demo-session");
  if (!el) return null;
  try {
    const session = JSON.parse(el.textContent);
    return session && session.token ? session : null;
  } catch {
    return null;
  }
}

const state = {
  api: null,
  live: null,
  demo: null,
  premium: null,
  subscription: null,
  prices: [],
  payments: [],
  paymentsCursor: null,
  invoices: [],
  invoicesCursor: null,
  checkoutSession: null, // on /success: the Checkout Session we came back from
  notice: null, // a one-off message from the URL (checkout cancelled, card page done)
};

// --- start ---------------------------------------------------------------------------------

async function main() {
  state.demo = demoSession();
  const url = new URL(location.href);
  if (url.pathname === "/success") {
    state.checkoutSession = url.searchParams.get("session_id") || "";
  } else if (url.searchParams.get("checkout") === "cancelled") {
    state.notice = "Checkout cancelled: nothing was charged.";
  } else if (url.searchParams.get("card") === "updated") {
    state.notice = "Back from the card page. A card you saved there pays your next renewal.";
  }
  if (state.notice) history.replaceState(null, "", "/");

  try {
    state.api = await GraphQLClient.load();
  } catch (error) {
    showNotice(`This page cannot start: ${error.message}`, "error");
    return;
  }
  wireForms();
  const token = sessionStorage.getItem(TOKEN_KEY) || (sessionStorage.getItem(SIGNED_OUT_KEY) ? null : state.demo?.token);
  if (token) await signIn(token);
  else showSignIn();
}

function wireForms() {
  $("token-form").addEventListener("submit", onTokenSubmit);
  $("use-demo").addEventListener("click", () => signIn(state.demo.token, { remember: false }));
  $("sign-out").addEventListener("click", () => signOut());
  $("currency").addEventListener("change", onCurrencyChange);
  $("cancel-form").addEventListener("submit", onCancel);
  $("reactivate").addEventListener("click", onReactivate);
  $("change-card").addEventListener("click", onChangeCard);
  $("gift-form").addEventListener("submit", onRedeem);
  $("gift-lookup").addEventListener("click", onLookup);
  $("payments-more").addEventListener("click", () => loadPayments({ more: true }));
  $("invoices-more").addEventListener("click", () => loadInvoices({ more: true }));
  $("currency").replaceChildren(...CURRENCIES.map((c) => h("option", { value: c }, c)));
  $("currency").value = initialCurrency();
}

// --- signing in and out ----------------------------------------------------------------------

function showSignIn(message = "") {
  $("account").hidden = true;
  $("who").hidden = true;
  $("sign-in").hidden = false;
  $("use-demo").hidden = !state.demo;
  $("token-error").textContent = message;
  setLiveStatus("off");
  if (state.notice) showNotice(state.notice);
}

async function onTokenSubmit(event) {
  event.preventDefault();
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  if (token.split(".").length !== 3) {
    $("token-error").textContent = "That is not a JWT (three parts separated by dots).";
    $("token").focus();
    return;
  }
  await signIn(token);
}

async function signIn(token, { remember = true } = {}) {
  state.api.token = token;
  try {
    await loadAccount();
  } catch (error) {
    state.api.token = null;
    showSignIn(error.code === "UNAUTHENTICATED" ? `This token was refused: ${error.message}` : error.message);
    return;
  }
  if (remember) sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.removeItem(SIGNED_OUT_KEY);
  $("token").value = "";
  $("sign-in").hidden = true;
  $("account").hidden = false;
  $("who").hidden = false;
  const who = subjectOf(token);
  const isDemo = state.demo && token === state.demo.token;
  $("who-name").textContent = who ? `Signed in as ${who}${isDemo ? " (demo user)" : ""}` : "Signed in";
  startLive(token);
  renderNotice();
  await Promise.all([loadPrices(), loadPayments(), loadInvoices()]);
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.setItem(SIGNED_OUT_KEY, "1");
  state.api.token = null;
  if (state.live) state.live.stop();
  state.live = null;
  $("notice").hidden = true;
  showSignIn(message);
}

/** Any call refused for its token sends the user back to the sign-in form. */
function handle(error, errorElement) {
  if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
    signOut(`Your token was refused (${error.message}). Sign in again.`);
    return;
  }
  errorElement.textContent = error.message;
}

// --- live updates ----------------------------------------------------------------------------

function startLive(token) {
  if (state.live) state.live.stop();
  let first = true;
  const live = new LiveUpdates({
    url: LiveUpdates.urlFor(location),
    token,
    onStatus: setLiveStatus,
    // Back after a drop: read once what may have changed meanwhile (PremiumLive resends itself).
    onReconnect: () => Promise.all([loadPayments(), loadInvoices()]).catch(() => {}),
  });
  live.subscribe("PremiumLive", state.api.text("PremiumLive"), {
    next: (data) => {
      const changed = !first;
      state.premium = data.premiumChanged;
      renderPremium();
      if (changed) {
        // Premium moved (a payment landed, a cancel, a gift): the subscription and invoices with it.
        loadAccount().catch(() => {});
        loadInvoices().catch(() => {});
      } else if (state.checkoutSession !== null) {
        // The stream now runs: read the payments once, so a change that landed between the
        // page's first read and the stream's start is not missed.
        loadPayments().catch(() => {});
      }
      first = false;
    },
    error: (error) => setLiveStatus("error", error.message),
  });
  live.subscribe("PaymentsLive", state.api.text("PaymentsLive"), {
    next: (data) => {
      upsertPayment(data.paymentUpdated);
      loadInvoices().catch(() => {});
    },
    error: (error) => setLiveStatus("error", error.message),
  });
  state.live = live;
}

function setLiveStatus(status, detail = "") {
  const text = {
    off: "Live updates: off",
    connecting: "Live updates: connecting…",
    live: "Live updates: on",
    reconnecting: "Live updates: reconnecting…",
    refused: "Live updates: token refused",
    error: `Live updates: ${detail || "error"}`,
  }[status];
  $("live-status").textContent = text;
  $("live-status").dataset.status = status;
  if (status === "refused") signOut("Your token has expired or was refused. Sign in again.");
}

// --- premium and subscription ------------------------------------------------------------------

async function loadAccount() {
  const data = await state.api.run("Account");
  state.premium = data.premium;
  state.subscription = data.subscription;
  renderPremium();
  renderSubscription();
}

function renderPremium() {
  const p = state.premium;
  const el = $("premium");
  if (!p) return;
  el.dataset.active = String(p.active);
  el.dataset.source = p.source;
  el.dataset.willCancel = String(p.willCancel);
  let text;
  if (!p.active) {
    text = "You don't have Premium.";
  } else if (p.source === "SUBSCRIPTION" && p.willCancel) {
    text = `Premium is active until ${day(p.until)}. It will cancel then: nothing more is charged.`;
  } else if (p.source === "SUBSCRIPTION") {
    const cycle = p.billingCycle === "YEARLY" ? "yearly" : "monthly";
    text = `Premium is active (${cycle} subscription). It renews on ${day(p.until)}.`;
  } else {
    text = `Premium is active until ${day(p.until)} (gift).`;
  }
  el.replaceChildren(h("p", { class: p.active ? "status on" : "status" }, text));
  renderNotice();
  renderPrices();
}

function renderSubscription() {
  const s = state.subscription;
  const live = s && ["ACTIVE", "TRIALING", "PAST_DUE"].includes(s.status);
  $("subscription").replaceChildren(
    s
      ? h(
          "dl",
          { class: "facts", "data-status": s.status, "data-cancel-at-period-end": String(s.cancelAtPeriodEnd) },
          h("dt", {}, "Plan"),
          h("dd", {}, `${PRODUCT[s.productType]} · ${s.price.formatted} per ${s.billingCycle === "YEARLY" ? "year" : "month"}`),
          h("dt", {}, "Status"),
          h("dd", {}, s.status.toLowerCase().replace("_", " ")),
          h("dt", {}, s.cancelAtPeriodEnd ? "Ends on" : "Next charge"),
          h("dd", {}, day(s.currentPeriodEnd)),
        )
      : "",
  );
  $("cancel-form").hidden = !live || s.cancelAtPeriodEnd;
  $("reactivate").hidden = !live || !s.cancelAtPeriodEnd;
  $("change-card").hidden = !live;
}

async function onCancel(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const input = { reason: form.reason.value || null, feedback: form.feedback.value.trim() || null };
  await mutate(form.querySelector("button[type=submit]"), $("manage-error"), async () => {
    const { cancelSubscription: result } = await state.api.run("CancelSubscription", { input });
    if (showUserErrors(result.userErrors, $("manage-error"))) return;
    form.reset();
    state.subscription = { ...state.subscription, ...result.subscription };
    renderSubscription();
    $("reactivate").focus();
  });
}

async function onReactivate(event) {
  await mutate(event.currentTarget, $("manage-error"), async () => {
    const { reactivateSubscription: result } = await state.api.run("ReactivateSubscription");
    if (showUserErrors(result.userErrors, $("manage-error"))) return;
    state.subscription = { ...state.subscription, ...result.subscription };
    renderSubscription();
  });
}

async function onChangeCard(event) {
  await mutate(event.currentTarget, $("manage-error"), async () => {
    const input = { returnUrl: `${location.origin}/?card=updated` };
    const { updatePaymentMethod: result } = await state.api.run("ChangeCard", { input });
    if (showUserErrors(result.userErrors, $("manage-error"))) return;
    location.assign(result.url);
    return "leaving";
  });
}

// --- buying ------------------------------------------------------------------------------------

async function loadPrices() {
  $("prices").setAttribute("aria-busy", "true");
  try {
    const data = await state.api.run("Prices", { currency: $("currency").value });
    state.prices = data.prices;
    renderPrices();
  } catch (error) {
    handle(error, $("buy-error"));
  } finally {
    $("prices").removeAttribute("aria-busy");
  }
}

function onCurrencyChange() {
  localStorage.setItem(CURRENCY_KEY, $("currency").value);
  loadPrices();
}

function renderPrices() {
  const subscribed = state.premium?.source === "SUBSCRIPTION" || Boolean(state.subscription);
  const order = (p) => (p.isGift ? 2 : 0) + (p.billingCycle === "YEARLY" ? 1 : 0);
  const rows = [...state.prices].sort((a, b) => order(a) - order(b)).map((price) => {
    const yearly = price.billingCycle === "YEARLY";
    // HOOK: show the free trial (Price.trialDays) here once the API has it.
    const label = price.isGift
      ? `Buy a ${yearly ? "12-month" : "1-month"} gift`
      : `Subscribe ${yearly ? "yearly" : "monthly"}`;
    const per = price.isGift ? "once" : yearly ? "per year" : "per month";
    return h(
      "div",
      { class: "price", "data-lookup-key": price.lookupKey },
      h("div", {}, h("strong", {}, price.isGift ? `Gift: ${PRODUCT[price.productType]}` : PRODUCT[price.productType]),
        h("span", { class: "amount" }, `${price.money.formatted} `, h("span", { class: "hint" }, per))),
      h(
        "button",
        {
          type: "button",
          "data-product": price.productType,
          "data-gift": String(price.isGift),
          disabled: !price.isGift && subscribed,
          title: !price.isGift && subscribed ? "You already subscribe" : null,
          onclick: (event) => buy(event.currentTarget, price),
        },
        label,
      ),
    );
  });
  $("prices").replaceChildren(...rows);
}

async function buy(button, price) {
  $("buy-error").textContent = "";
  await mutate(button, $("buy-error"), async () => {
    const input = {
      productType: price.productType,
      isGift: price.isGift,
      currency: price.money.currency,
      // Stripe replaces {CHECKOUT_SESSION_ID}; the success page finds its payment by it.
      successUrl: `${location.origin}/success?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${location.origin}/?checkout=cancelled`,
      idempotencyKey: randomKey(), // one per click: a retried request never makes a second session
      // HOOK (issue 17): promotionCode goes here once createCheckout takes it.
    };
    const { createCheckout: result } = await state.api.run("BuyPremium", { input });
    if (showUserErrors(result.userErrors, $("buy-error"))) return;
    location.assign(result.checkoutUrl);
    return "leaving";
  });
}

// --- after Checkout: the success page ------------------------------------------------------------

function renderNotice() {
  if (state.checkoutSession === null) {
    if (state.notice) showNotice(state.notice);
    return;
  }
  const payment = state.payments.find((p) => p.checkoutSessionId === state.checkoutSession);
  const premium = state.premium;
  if (payment && ["FAILED", "EXPIRED"].includes(payment.status)) {
    showNotice("The payment did not go through; nothing was charged.", "error", "failed");
  } else if (payment?.isGift) {
    if (payment.status === "COMPLETED" && payment.giftCode) {
      showNotice(
        [
          "Thank you! Your gift code is ",
          h("strong", { class: "code", id: "bought-gift-code" }, payment.giftCode.code),
          `. Give it to someone: they redeem it on this page (valid until ${day(payment.giftCode.expiresAt)}).`,
        ],
        "ok",
        "gift-ready",
      );
    } else if (payment.status === "AWAITING_SETTLEMENT") {
      showNotice("Your payment is on its way; the gift code appears here once it arrives.", "", "waiting");
    } else {
      showNotice("Thank you! Confirming your payment with Stripe…", "", "waiting");
    }
  } else if (premium?.active && premium.source === "SUBSCRIPTION") {
    showNotice("Premium is active. Thank you!", "ok", "premium-active");
  } else if (payment?.status === "AWAITING_SETTLEMENT") {
    showNotice("Your payment is on its way (bank debits take a few days); Premium starts when it arrives.", "", "waiting");
  } else {
    showNotice("Thank you! Confirming your payment with Stripe…", "", "waiting");
  }
}

function showNotice(content, kind = "", state = "") {
  const el = $("notice");
  el.replaceChildren(...(Array.isArray(content) ? content : [content]));
  el.className = `banner ${kind}`;
  el.dataset.state = state;
  el.hidden = false;
}

// --- payments and invoices ------------------------------------------------------------------------

async function loadPayments({ more = false } = {}) {
  const button = $("payments-more");
  button.disabled = true;
  try {
    const after = more ? state.paymentsCursor : null;
    const { payments } = await state.api.run("Payments", { first: PAGE_SIZE, after });
    const nodes = payments.edges.map((e) => e.node);
    state.payments = more ? [...state.payments, ...nodes] : nodes;
    state.paymentsCursor = payments.pageInfo.endCursor;
    button.hidden = !payments.pageInfo.hasNextPage;
    $("payments-error").textContent = "";
    renderPayments();
    renderNotice();
  } catch (error) {
    handle(error, $("payments-error"));
  } finally {
    button.disabled = false;
  }
}

function upsertPayment(payment) {
  const at = state.payments.findIndex((p) => p.id === payment.id);
  if (at >= 0) state.payments[at] = payment;
  else state.payments.unshift(payment);
  renderPayments();
  renderNotice();
}

function renderPayments() {
  $("payments").replaceChildren(
    ...state.payments.map((p) =>
      h(
        "tr",
        { "data-payment-id": p.id, "data-status": p.status },
        h("td", {}, moment(p.createdAt)),
        h(
          "td",
          {},
          p.isGift ? `Gift: ${PRODUCT[p.productType]}` : PRODUCT[p.productType],
          p.giftCode ? [h("br"), h("span", { class: "hint" }, "code "), h("span", { class: "code" }, p.giftCode.code)] : null,
        ),
        h("td", { class: "num" }, p.money.formatted),
        h("td", {}, PAYMENT_STATUS[p.status] || p.status),
      ),
    ),
  );
  $("payments-empty").hidden = state.payments.length > 0;
}

async function loadInvoices({ more = false } = {}) {
  const button = $("invoices-more");
  button.disabled = true;
  try {
    const after = more ? state.invoicesCursor : null;
    const { invoices } = await state.api.run("Invoices", { first: PAGE_SIZE, after });
    const nodes = invoices.edges.map((e) => e.node);
    state.invoices = more ? [...state.invoices, ...nodes] : nodes;
    state.invoicesCursor = invoices.pageInfo.endCursor;
    button.hidden = !invoices.pageInfo.hasNextPage;
    $("invoices-error").textContent = "";
    renderInvoices();
  } catch (error) {
    handle(error, $("invoices-error"));
  } finally {
    button.disabled = false;
  }
}

function renderInvoices() {
  $("invoices").replaceChildren(
    ...state.invoices.map((invoice) =>
      h(
        "tr",
        { "data-invoice-id": invoice.id, "data-status": invoice.status },
        h("td", {}, invoice.number || "—"),
        h("td", {}, day(invoice.paidAt || invoice.createdAt)),
        h("td", { class: "num" }, invoice.total.formatted, h("br"), h("span", { class: "hint" }, `tax ${invoice.tax.formatted}`)),
        h("td", {}, invoice.status.toLowerCase()),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: "secondary small",
              "aria-label": `Download invoice ${invoice.number || ""} as PDF`,
              onclick: (event) => downloadInvoice(event.currentTarget, invoice.id),
            },
            "PDF",
          ),
        ),
      ),
    ),
  );
  $("invoices-empty").hidden = state.invoices.length > 0;
}

/** Download links live minutes: ask for a fresh one at the click, then let the browser save it. */
async function downloadInvoice(button, id) {
  await mutate(button, $("invoices-error"), async () => {
    const { invoice } = await state.api.run("InvoiceDownload", { id });
    if (!invoice) throw new ApiError("This invoice is no longer available.", "NOT_FOUND");
    const link = h("a", { href: invoice.downloadUrl, download: "" });
    document.body.append(link);
    link.click();
    link.remove();
  });
}

// --- gift codes ---------------------------------------------------------------------------------

function giftCodeInput() {
  const code = $("gift-code").value.trim();
  if (!code) {
    $("gift-result").replaceChildren(h("p", { class: "error" }, "Type a gift code first."));
    $("gift-code").focus();
  }
  return code;
}

async function onLookup(event) {
  const code = giftCodeInput();
  if (!code) return;
  await mutate(event.currentTarget, $("gift-result"), async () => {
    const { giftCode } = await state.api.run("GiftCodeLookup", { code });
    if (!giftCode) {
      $("gift-result").replaceChildren(h("p", { class: "error", "data-result": "not-found" }, ERROR_TEXT.GIFT_CODE_NOT_FOUND));
      return;
    }
    const months = giftCode.durationMonths === 1 ? "1 month" : `${giftCode.durationMonths} months`;
    const status = {
      AVAILABLE: `Available: redeem it before ${day(giftCode.expiresAt)}.`,
      REDEEMED: "Already redeemed.",
      EXPIRED: "Expired.",
      REVOKED: "No longer valid.",
    }[giftCode.status];
    $("gift-result").replaceChildren(
      h("p", { "data-result": giftCode.status }, `${months} of ${PRODUCT[giftCode.productType]}. ${status}`),
    );
  });
}

async function onRedeem(event) {
  event.preventDefault();
  const code = giftCodeInput();
  if (!code) return;
  await mutate($("gift-redeem"), $("gift-result"), async () => {
    const { redeemGift: result } = await state.api.run("RedeemGift", { input: { code } });
    if (result.userErrors.length) {
      const error = result.userErrors[0];
      $("gift-result").replaceChildren(h("p", { class: "error", "data-result": error.code }, ERROR_TEXT[error.code] || error.message));
      return;
    }
    const months = result.giftCode.durationMonths === 1 ? "1 month" : `${result.giftCode.durationMonths} months`;
    $("gift-result").replaceChildren(
      h("p", { class: "ok", "data-result": "redeemed" }, `Redeemed: ${months} of Premium added. Premium is active until ${day(result.premium.until)}.`),
    );
    $("gift-code").value = "";
  });
}

// --- shared -----------------------------------------------------------------------------------

/** Runs a user action with its button disabled; errors go to `errorElement`. */
async function mutate(button, errorElement, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  errorElement.textContent = "";
  let result;
  try {
    result = await action();
  } catch (error) {
    handle(error, errorElement);
  } finally {
    if (result !== "leaving") {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

/** Shows a payload's userErrors (the user's mistake or a business rule); true if there were any. */
function showUserErrors(userErrors, element) {
  if (!userErrors.length) return false;
  element.textContent = userErrors.map((e) => ERROR_TEXT[e.code] || e.message).join(" ");
  return true;
}

main();
