// Hookbridge as a person uses it, in headless Chromium against the sandbox running
// the real plugin executable: an admin creates an outgoing hook in the manager, a
// trigger word reaches a local integration service, its reply is drawn with an
// attachment, a button click goes through Hookbridge to the service and opens a
// dialog, the dialog shows the service's errors, and the delivery log shows the
// delivery. Screenshots of every screen go to test/artifacts/.

import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Browser, BrowserContext, Locator, Page} from 'playwright-core';
import {tempDir} from '../support/net.js';
import {Client, startSandbox, type RunningSandbox} from '../../sandbox/test/harness.js';
import {cssValue, IntegrationService, removeFailureShots, launchBrowser, prepareBuilds, shot, signedWith, watchPage, type PageProblem} from './support.js';

const HOOK_TITLE = 'Deploy bot';
const UI_TIMEOUT = 10_000;

interface Secrets {
  token: string;
  signingSecret: string;
}

describe('Hookbridge in the browser', {timeout: 120_000}, () => {
  const data = tempDir('hb-browser-');
  const service = new IntegrationService();
  let builds: {plugin: string; cleanup: () => void} | null = null;
  let sbx: RunningSandbox | null = null;
  let browser: Browser | null = null;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblem[] = [];
  const secrets: Secrets = {token: '', signingSecret: ''};
  const timings: Record<string, number> = {};
  let replyPostId = '';
  let clickRouteMissing: string | null = null;

  const failed = new Set<string>();

  /** Runs one step; a step whose prerequisites failed fails at once, naming them, instead of waiting for the UI. */
  const step = async (name: string, needs: string[], fn: () => Promise<void>): Promise<void> => {
    const missing = needs.filter((n) => failed.has(n));
    if (missing.length) {
      failed.add(name);
      assert.fail(`not run: it needs step ${missing.join(', ')}, which failed`);
    }
    const started = performance.now();
    try {
      await fn();
    } catch (err) {
      failed.add(name);
      await shot(page, `failed-${name}`).catch(() => undefined);
      throw err;
    } finally {
      timings[name] = Math.round(performance.now() - started);
    }
  };

  /** The post in the channel view whose attachment has this title. */
  const attachmentPost = (title: string): Locator => page.locator('article.sbx-post').filter({has: page.getByRole('heading', {name: title, level: 4})});

  before(async () => {
    removeFailureShots();
    builds = await prepareBuilds();
    // "deploy quietly" gets no reply post (the delivery log's live update uses it).
    service.route('/hook', (r) => String(r.body.text ?? '').startsWith('deploy quietly') ? {body: {}} : ({
      body: {
        text: 'Deploying…',
        attachments: [
          {
            color: '#36a64f',
            title: 'Build 42',
            text: 'Ready to ship',
            fields: [
              {title: 'Branch', value: 'main', short: true},
              {title: 'Env', value: 'prod', short: true},
            ],
            actions: [
              {id: 'approve', name: 'Approve', type: 'button', style: 'primary', integration: {url: `${service.url}/click`, context: {build: 42}}},
              {
                id: 'env_pick',
                name: 'Pick env',
                type: 'select',
                options: [
                  {text: 'Prod', value: 'prod'},
                  {text: 'Staging', value: 'staging'},
                ],
                integration: {url: `${service.url}/click`, context: {}},
              },
            ],
          },
        ],
      },
    }));
    service.route('/click', (r) => {
      const ctx = (r.body.context ?? {}) as Record<string, unknown>;
      if (ctx.selected_option) return {body: {ephemeral_text: `Environment set to ${String(ctx.selected_option)}`}};
      return {
        body: {
          update: {message: 'Approved by @admin'},
          dialog: {
            title: 'Release notes',
            callback_id: 'notes',
            elements: [
              {display_name: 'Summary', name: 'summary', type: 'text', min_length: 5},
              {
                display_name: 'Risk',
                name: 'risk',
                type: 'radio',
                options: [
                  {text: 'Low', value: 'low'},
                  {text: 'High', value: 'high'},
                ],
              },
            ],
          },
          dialog_url: `${service.url}/dialog`,
        },
      };
    });
    // The service's own rule is stricter than the dialog's min_length: under 10 characters is too short.
    service.route('/dialog', (r) => {
      const submission = (r.body.submission ?? {}) as Record<string, unknown>;
      return {body: String(submission.summary ?? '').length < 10 ? {errors: {summary: 'Too short'}} : {}};
    });
    await service.start();
    sbx = await startSandbox({SANDBOX_DATA: data.path, SANDBOX_PLUGIN: builds.plugin});
    browser = await launchBrowser();
    context = await browser.newContext({viewport: {width: 1280, height: 900}, deviceScaleFactor: 1});
    context.setDefaultTimeout(UI_TIMEOUT);
    page = await context.newPage();
    problems = watchPage(page);
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    const code = await sbx?.stop();
    await service.stop();
    builds?.cleanup();
    data.cleanup();
    console.log(`# timings (ms): ${JSON.stringify(timings)}`);
    if (code !== undefined && code !== 0) console.log(`# the sandbox exited with ${code}:\n${sbx?.output()}`);
  });

  it('1. an admin allows the local service and creates an outgoing hook in the manager', async () => {
    await step('1-create-hook', [], async () => {
      await page.goto(`${sbx!.url}/?as=admin#admin`);
      const console_ = page.getByRole('region', {name: 'System Console'});
      await console_.getByText('Plugin: Running').waitFor();

      // Loopback callbacks are refused until an admin allows them: done as an admin would.
      await console_.getByRole('textbox', {name: 'Allowed internal hosts:'}).fill('127.0.0.1');
      await console_.getByRole('button', {name: 'Save', exact: true}).click();
      const saved = page.getByRole('status').filter({hasText: 'Settings saved'});
      await saved.waitFor();

      await console_.getByRole('tab', {name: 'Outgoing'}).click();
      await console_.getByRole('button', {name: 'Add outgoing webhook'}).click();
      const form = console_.getByRole('form', {name: 'Add outgoing webhook'});
      await form.getByRole('textbox', {name: 'Title'}).fill(HOOK_TITLE);
      await form.getByRole('textbox', {name: 'Description'}).fill('Answers deploy requests');
      await form.getByRole('combobox', {name: 'Content type'}).selectOption('application/json');
      await form.getByRole('combobox', {name: 'Channel'}).selectOption({label: 'Town Square'});
      await form.getByRole('button', {name: 'Add trigger word'}).click();
      await form.getByRole('textbox', {name: 'Trigger word 1'}).fill('deploy');
      await form.getByRole('textbox', {name: 'Callback URL 1'}).fill(`${service.url}/hook`);
      await form.getByRole('button', {name: 'Create webhook'}).click();

      const edit = console_.getByRole('form', {name: `Edit ${HOOK_TITLE}`});
      await edit.getByText('Outgoing webhook created.').waitFor();
      await edit.getByRole('button', {name: 'Show Token'}).click();
      await edit.getByRole('button', {name: 'Show Signing secret'}).click();
      secrets.token = await edit.getByRole('textbox', {name: 'Token'}).inputValue();
      secrets.signingSecret = await edit.getByRole('textbox', {name: 'Signing secret'}).inputValue();
      assert.match(secrets.token, /^[a-z0-9]{26}$/, 'the token is shown after creation');
      assert.match(secrets.signingSecret, /^\S{32,}$/, 'the signing secret is shown after creation');
      // The settings notice goes by itself after a moment; the screenshots are clearer without it.
      await saved.waitFor({state: 'hidden'});
      await shot(page, '01-hook-created');

      await edit.getByRole('button', {name: 'Back to list'}).click();
      const list = console_.getByRole('region', {name: 'Outgoing webhooks'});
      const item = list.getByRole('listitem').filter({hasText: HOOK_TITLE});
      await item.waitFor();
      await item.getByText('First word is deploy in').waitFor();
      await item.getByText(`Sends to ${service.url}/hook`).waitFor();
      await item.scrollIntoViewIfNeeded();
      await shot(page, '02-hook-list');
    });
  });

  it('2. a trigger word reaches the service and its reply is drawn with the attachment', async () => {
    await step('2-trigger-and-reply', ['1-create-hook'], async () => {
      await page.getByRole('navigation', {name: 'Channels'}).getByRole('button', {name: /Town Square/}).click();
      const channel = page.getByRole('region', {name: 'Channel Town Square'});
      await channel.waitFor();
      const box = channel.getByRole('textbox', {name: 'Message'});
      await box.fill('deploy now');
      await box.press('Enter');

      const delivery = await service.request('/hook');
      const body = delivery.body;
      assert.equal(String(delivery.headers['content-type']), 'application/json');
      assert.equal(body.token, secrets.token, 'the payload carries the hook token shown in the manager');
      assert.equal(body.trigger_word, 'deploy');
      assert.equal(body.text, 'deploy now');
      assert.equal(body.channel_name, 'town-square');
      assert.equal(body.user_name, 'admin');
      assert.equal(body.team_domain, 'sandbox');
      for (const key of ['channel_id', 'team_id', 'user_id', 'post_id']) assert.match(String(body[key]), /^[a-z0-9]{26}$/, `${key} is an id`);
      assert.ok(Number(body.timestamp) > 0, 'timestamp is set');
      assert.ok(signedWith(delivery, secrets.signingSecret), 'the delivery is signed with the signing secret shown in the manager');

      const post = attachmentPost('Build 42');
      await post.waitFor();
      await post.getByText('Deploying…').waitFor();
      await post.getByText('Ready to ship').waitFor();
      for (const [title, value] of [
        ['Branch', 'main'],
        ['Env', 'prod'],
      ] as const) {
        const field = post.locator('.hb-attachment__field').filter({hasText: title});
        assert.equal(await field.locator('.hb-attachment__field-title').innerText(), title);
        assert.equal((await field.locator('.hb-attachment__field-value').innerText()).trim(), value);
      }
      const bar = await cssValue(post.getByTestId('attachment-container'), 'border-left-color');
      assert.equal(bar, 'rgb(54, 166, 79)', 'the attachment has the colour #36a64f');
      await post.getByRole('button', {name: 'Approve'}).waitFor();
      const menu = post.getByRole('combobox', {name: 'Pick env'});
      await menu.waitFor();
      assert.deepEqual(await menu.locator('option').allInnerTexts(), ['Pick env', 'Prod', 'Staging']);
      replyPostId = (await post.getAttribute('data-post-id')) ?? '';
      assert.ok(replyPostId, 'the reply post has an id');
      assert.ok(await post.getByText('BOT').isVisible(), 'the reply is marked as coming from an integration');
      await shot(page, '03-channel-attachment');

      // The post clients get carries Hookbridge's route, never the service's URL.
      const stored = await new Client(sbx!.url, 'admin').json<{props: {attachments: {actions: {integration?: {url?: string}}[]}[]}}>(`/api/v4/posts/${replyPostId}`);
      for (const action of stored.props.attachments[0]!.actions) assert.ok(!JSON.stringify(action).includes(service.url), 'the service URL is not exposed to clients');
      // Whether the plugin serves the click route at all: a signed-in request without a valid action must not be a 404.
      const probe = await new Client(sbx!.url, 'admin').raw('/plugins/hookbridge/actions/click', {method: 'POST', body: {}});
      clickRouteMissing = probe.status === 404 ? `POST /plugins/hookbridge/actions/click answers 404 (${await probe.text()}): the interactive routes are not wired into the plugin's router` : null;
    });
  });

  it('3. Approve goes through Hookbridge to the service, updates the post and opens its dialog', async () => {
    if (clickRouteMissing) {
      failed.add('3-click-and-dialog');
      assert.fail(clickRouteMissing);
    }
    await step('3-click-and-dialog', ['2-trigger-and-reply'], async () => {
      const post = page.locator(`article[data-post-id="${replyPostId}"]`);
      await post.getByRole('button', {name: 'Approve'}).click();

      const click = await service.request('/click');
      assert.ok(signedWith(click, secrets.signingSecret), 'the click is signed with the hook secret');
      assert.equal(click.body.post_id, replyPostId);
      assert.equal(click.body.user_name, 'admin');
      assert.equal(click.body.channel_name, 'town-square');
      assert.equal(click.body.type, 'button');
      assert.deepEqual(click.body.context, {build: 42}, 'the service gets its own context back, without Hookbridge routing data');
      assert.match(String(click.body.trigger_id), /\S/, 'the click carries a trigger id');

      await post.getByText('Approved by @admin').waitFor();
      await post.getByText('(edited)').waitFor();
      const dialog = page.getByRole('dialog', {name: 'Release notes'});
      await dialog.waitFor();
      await dialog.getByRole('textbox', {name: /Summary/}).waitFor();
      await dialog.getByRole('radio', {name: 'Low'}).waitFor();
      await dialog.getByRole('radio', {name: 'High'}).waitFor();
      await shot(page, '04-dialog-open');
    });
  });

  it('4. the dialog shows the service errors inline, then submits and closes', async () => {
    await step('4-dialog-submit', ['3-click-and-dialog'], async () => {
      const dialog = page.getByRole('dialog', {name: 'Release notes'});
      const summary = dialog.getByRole('textbox', {name: /Summary/});
      const submit = dialog.getByRole('button', {name: 'Submit'});

      // Shorter than min_length: the dialog itself refuses, nothing is sent.
      await summary.fill('abc');
      await dialog.getByRole('radio', {name: 'High'}).check();
      await submit.click();
      await dialog.getByText('Minimum input length is 5.').waitFor();
      assert.equal(service.count('/dialog'), 0, 'a submission the dialog refuses is not sent');

      // Long enough for the dialog, too short for the service: its error shows inline.
      await summary.fill('small');
      await submit.click();
      const first = await service.request('/dialog', 0);
      await dialog.getByText('Too short').waitFor();
      assert.equal(await summary.getAttribute('aria-invalid'), 'true', 'the summary is marked invalid');
      assert.ok(signedWith(first, secrets.signingSecret), 'the submission is signed with the hook secret');
      assert.equal(first.body.callback_id, 'notes');
      assert.equal(first.body.type, 'dialog_submission');
      assert.deepEqual(first.body.submission, {summary: 'small', risk: 'high'});
      await shot(page, '05-dialog-error');

      await summary.fill('Ship the new release pipeline');
      await submit.click();
      await dialog.waitFor({state: 'detached'});
      const second = await service.request('/dialog', 1);
      assert.deepEqual(second.body.submission, {summary: 'Ship the new release pipeline', risk: 'high'});
      assert.equal(second.body.cancelled, false);
      await shot(page, '06-dialog-closed');
    });
  });

  it('5. the delivery log shows the delivery and its request and response', async () => {
    await step('5-delivery-log', ['2-trigger-and-reply'], async () => {
      await page.getByRole('button', {name: 'Main menu ▾'}).click();
      await page.getByRole('menuitem', {name: 'Hookbridge webhooks'}).click();
      const modal = page.getByRole('dialog', {name: 'Webhooks'});
      await modal.waitFor();
      await modal.getByRole('tab', {name: 'Outgoing'}).click();
      await modal.getByRole('button', {name: `Delivery log of ${HOOK_TITLE}`}).click();

      const table = modal.getByRole('table', {name: 'Recent deliveries'});
      await table.waitFor();
      const row = table.getByRole('row').filter({hasText: /succeeded/i}).first();
      await row.waitFor();
      const cells = await row.getByRole('cell').allInnerTexts();
      assert.ok(cells.includes('200'), `the row shows HTTP 200: ${cells.join(' | ')}`);
      assert.ok(cells.some((c) => /^\d+(\.\d+)?\s*(ms|s)$/.test(c.trim())), `the row shows a latency: ${cells.join(' | ')}`);
      await shot(page, '07-delivery-log');

      // A delivery made while the log is open appears in it by itself: the log is
      // not fetched again, its watcher gets a live update over the WebSocket.
      const admin = new Client(sbx!.url, 'admin');
      const {channel_id: channelId} = await admin.json<{channel_id: string}>(`/api/v4/posts/${replyPostId}`);
      const hookRequests = service.count('/hook');
      await admin.json('/api/v4/posts', {method: 'POST', body: {channel_id: channelId, message: 'deploy quietly'}}, 201);
      await service.request('/hook', hookRequests);
      const succeeded = table.getByRole('row').filter({hasText: /succeeded/i});
      await succeeded.nth(1).waitFor();

      // The first delivery, now below the new one.
      await succeeded.last().getByRole('button', {name: /^Details of delivery /}).click();
      const detail = modal.getByRole('region', {name: /Delivery/});
      await detail.getByText(/succeeded/i).first().waitFor();
      const request = await modal.getByLabel(/Request body/i).innerText();
      const response = await modal.getByLabel(/Response body/i).innerText();
      assert.match(request, /deploy now/, 'the detail shows the request body');
      assert.match(request, /"trigger_word"/);
      assert.match(response, /Build 42/, 'the detail shows the response body');
      await shot(page, '08-delivery-detail');
      await modal.getByLabel(/Response body/i).scrollIntoViewIfNeeded();
      await shot(page, '08b-delivery-response');
      await modal.getByRole('button', {name: 'Close', exact: true}).click();
      await modal.waitFor({state: 'detached'});
    });
  });

  it('6. dark theme: the channel with a fresh attachment and the manager', async () => {
    await step('6-dark-theme', ['2-trigger-and-reply'], async () => {
      await page.getByRole('button', {name: 'Dark theme'}).click();
      await page.getByRole('button', {name: 'Light theme'}).waitFor();
      const background = await cssValue(page.locator('body'), 'background-color');
      assert.notEqual(background, 'rgb(255, 255, 255)', 'the page is dark');

      const channel = page.getByRole('region', {name: 'Channel Town Square'});
      const box = channel.getByRole('textbox', {name: 'Message'});
      const hookRequests = service.count('/hook');
      await box.fill('deploy again');
      await box.press('Enter');
      await service.request('/hook', hookRequests);
      const fresh = attachmentPost('Build 42').filter({hasNotText: 'Approved by @admin'});
      await fresh.getByRole('button', {name: 'Approve'}).waitFor();

      // The menu sends the picked option; the service answers with an ephemeral message.
      if (!clickRouteMissing) {
        await fresh.getByRole('combobox', {name: 'Pick env'}).selectOption('staging');
        const pick = await service.request('/click', 1);
        assert.equal(pick.body.type, 'select');
        assert.equal((pick.body.context as Record<string, unknown>).selected_option, 'staging');
        await page.getByText('Environment set to staging').first().waitFor();
      }
      await shot(page, '09-dark-channel');

      await page.getByRole('button', {name: 'Main menu ▾'}).click();
      await page.getByRole('menuitem', {name: 'Hookbridge webhooks'}).click();
      const modal = page.getByRole('dialog', {name: 'Webhooks'});
      await modal.getByRole('tab', {name: 'Outgoing'}).click();
      await modal.getByRole('listitem').filter({hasText: HOOK_TITLE}).waitFor();
      await shot(page, '10-dark-manager');
      await modal.getByRole('button', {name: `Edit ${HOOK_TITLE}`}).click();
      await modal.getByRole('form', {name: `Edit ${HOOK_TITLE}`}).waitFor();
      await shot(page, '11-dark-editor');
    });
  });

  it('the page raised no errors along the way', () => {
    assert.deepEqual(problems, [], problems.map((p) => `${p.kind}: ${p.text}`).join('\n'));
  });
});
