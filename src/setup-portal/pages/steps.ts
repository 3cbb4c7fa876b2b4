import { escapeHtml } from '../../common/html';
import { ConnectionType } from '../../connections/entities/connection.entity';
import { DomainStatus } from '../../domains/entities/domain.entity';
import { IDP_GUIDES, fillGuideStep, type GuideValues } from '../../connections/idp-guides';
import { ROLE_SLUGS } from '../../organizations/roles';
import { copyable, field, form, portalPage, stepPath, type PortalFrame, type SetupStep } from './layout';

/** The field a form's error belongs to, and what to say there. */
export interface FormError {
  field: string;
  message: string;
}

const errorFor = (error: FormError | undefined, name: string) => (error?.field === name ? error.message : undefined);
const otherError = (error: FormError | undefined, fields: readonly string[]) =>
  error && !fields.includes(error.field) ? `<p class="alert" role="alert">${escapeHtml(error.message)}</p>` : '';

export interface ChecklistItem {
  step: SetupStep;
  label: string;
  done: boolean;
  detail: string;
}

export function summaryPage(frame: PortalFrame, items: readonly ChecklistItem[]): string {
  const rows = items
    .map(
      (item) => `<tr><td><a href="${stepPath(item.step)}">${escapeHtml(item.label)}</a></td>
<td class="${item.done ? 'ok' : 'status-PENDING'}">${item.done ? 'Done' : 'To do'}</td><td>${escapeHtml(item.detail)}</td></tr>`,
    )
    .join('');
  const left = items.filter((item) => !item.done).length;
  return portalPage(
    frame,
    'Overview',
    `<p>${left === 0 ? 'Everything is set up. People of your organization sign in through your identity provider.' : `${left} step${left === 1 ? '' : 's'} left. Work through them in order; each page explains what to do.`}</p>
<table><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Details</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

export interface DomainRow {
  id: string;
  domain: string;
  status: DomainStatus;
  recordName: string;
  recordValue: string;
  verificationError: string | null;
}

export function domainsPage(frame: PortalFrame, csrf: string, domains: readonly DomainRow[], error?: FormError, typed?: string): string {
  const rows = domains
    .map((row) => {
      const check =
        row.status === DomainStatus.VERIFIED
          ? ''
          : form(`/setup/domains/${row.id}/check`, csrf, `<button type="submit" class="secondary">Check now</button>`);
      const problem = row.verificationError ? `<p class="help">${escapeHtml(row.verificationError)}</p>` : '';
      return `<tr><th scope="row">${escapeHtml(row.domain)}</th>
<td><span class="status status-${escapeHtml(row.status)}">${escapeHtml(row.status.toLowerCase())}</span>${problem}</td>
<td>${row.status === DomainStatus.VERIFIED ? 'Proven' : `Type <code>TXT</code><br>Name ${copyable(row.recordName, `record name for ${row.domain}`)}<br>Value ${copyable(row.recordValue, `record value for ${row.domain}`)}`}</td>
<td>${check}</td></tr>`;
    })
    .join('');
  const table = domains.length
    ? `<table><thead><tr><th scope="col">Domain</th><th scope="col">Status</th><th scope="col">DNS record to publish</th><th scope="col"></th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No domain yet.</p>';
  return portalPage(
    frame,
    'Your email domains',
    `<p>Add the domains of your people’s email addresses (such as <code>example.com</code>). To prove each is yours, publish the TXT record shown at your DNS provider, then choose “Check now”. Until a domain is verified, nobody signs in through it.</p>
${table}
${otherError(error, ['domain'])}
${form('/setup/domains', csrf, `${field({ name: 'domain', label: 'Domain', value: typed, error: errorFor(error, 'domain'), required: true, help: 'The part after the @ in your people’s email addresses.' })}<button type="submit">Add domain</button>`)}`,
  );
}

export interface IdpFormValues {
  entraTenant?: string | null;
  oktaDomain?: string | null;
  authorizationServerId?: string | null;
  discoveryUrl?: string | null;
  clientId?: string | null;
  clientSecretExpiresAt?: string | null;
}

export interface IdpPageModel {
  type: ConnectionType | null;
  /** The connection's settings when it exists (the secret only by its hint). */
  existing: { type: ConnectionType; clientSecretHint: string; verified: boolean } | null;
  values: IdpFormValues;
  guide: GuideValues;
  error?: FormError;
}

const FIELD_LABELS = {
  entraTenant: { label: 'Directory (tenant) ID', help: 'From the app registration’s Overview page, or your primary domain.' },
  oktaDomain: { label: 'Okta domain', help: 'Such as acme.okta.com.' },
  authorizationServerId: {
    label: 'Authorization server ID',
    help: 'Only if you use a custom authorization server (such as default); leave empty for the org server.',
  },
  discoveryUrl: { label: 'Discovery URL', help: 'Ends in /.well-known/openid-configuration.' },
} as const;

export function identityProviderPage(frame: PortalFrame, csrf: string, model: IdpPageModel): string {
  const choice = Object.values(ConnectionType)
    .map((type) => {
      const checked = model.type === type ? ' checked' : '';
      const locked = model.existing && model.existing.type !== type ? ' disabled' : '';
      return `<label class="inline"><input type="radio" name="type" value="${type}"${checked}${locked}> ${escapeHtml(IDP_GUIDES[type].label)}</label><br>`;
    })
    .join('');
  const chooser = `<form method="get" action="/setup/identity-provider"><fieldset><legend>Which identity provider do your people sign in with?</legend>${choice}</fieldset><button type="submit" class="secondary">Show the guide</button></form>`;
  if (!model.type) return portalPage(frame, 'Identity provider', chooser);
  const guide = IDP_GUIDES[model.type];
  const steps = guide.steps.map((step) => `<li>${escapeHtml(fillGuideStep(step, model.guide))}</li>`).join('');
  const presetFields = guide.fields
    .map((name) =>
      field({
        name,
        label: FIELD_LABELS[name].label,
        help: FIELD_LABELS[name].help,
        value: model.values[name],
        error: errorFor(model.error, name),
        required: name !== 'authorizationServerId',
      }),
    )
    .join('');
  const secretHelp = model.existing
    ? `Leave empty to keep the current secret (ending in ${model.existing.clientSecretHint}).`
    : 'Stored encrypted; it is never shown again.';
  const fields = ['clientId', 'clientSecret', 'clientSecretExpiresAt', ...guide.fields];
  return portalPage(
    frame,
    `Identity provider: ${guide.label}`,
    `${chooser}
<h3>At ${escapeHtml(guide.label)}</h3>
<p>These values name this connection; copy them exactly.</p>
<p>Redirect URI: ${copyable(model.guide.redirectUri, 'redirect URI')}</p>
<p>Initiate login URI / home page URL: ${copyable(model.guide.initiateLoginUri, 'initiate login URI')}</p>
<ol class="guide">${steps}</ol>
<h3>What your identity provider gave you</h3>
${otherError(model.error, fields)}
${form(
  '/setup/identity-provider',
  csrf,
  `<input type="hidden" name="type" value="${model.type}">
${presetFields}
${field({ name: 'clientId', label: 'Client ID', value: model.values.clientId, error: errorFor(model.error, 'clientId'), required: true })}
${field({ name: 'clientSecret', label: 'Client secret', type: 'password', error: errorFor(model.error, 'clientSecret'), required: !model.existing, help: secretHelp })}
${field({ name: 'clientSecretExpiresAt', label: 'Client secret expires on', type: 'date', value: model.values.clientSecretExpiresAt, error: errorFor(model.error, 'clientSecretExpiresAt'), help: 'We warn you 30, 7 and 1 days before.' })}
<button type="submit">${model.existing ? 'Save changes' : 'Save connection'}</button>`,
)}`,
  );
}

export interface TestRow {
  at: Date;
  succeeded: boolean | null;
  email: string | null;
  groups: string[];
  roles: string[];
  problems: { code: string; message: string; blocksLogin: boolean; advice?: string }[];
}

export function testPage(frame: PortalFrame, csrf: string, hasConnection: boolean, latest: TestRow | null): string {
  if (!hasConnection) {
    return portalPage(frame, 'Test sign-in', `<p>First <a href="/setup/identity-provider">connect your identity provider</a>.</p>`);
  }
  let report = '<p>No test sign-in yet.</p>';
  if (latest && latest.succeeded === null) report = '<p class="notice">A test sign-in was started and has not finished yet.</p>';
  if (latest && latest.succeeded !== null) {
    const problems = latest.problems
      .map(
        (problem) =>
          `<li><code>${escapeHtml(problem.code)}</code>${problem.blocksLogin ? ' (a real sign-in would be refused)' : ''}: ${escapeHtml(problem.advice ?? problem.message)}${problem.advice ? `<p class="help">Seen: ${escapeHtml(problem.message)}</p>` : ''}</li>`,
      )
      .join('');
    report = `<h3 class="${latest.succeeded ? 'ok' : 'bad'}">${latest.succeeded ? 'The last test sign-in worked' : 'The last test sign-in failed'}</h3>
<table><tr><th scope="row">When</th><td>${escapeHtml(latest.at.toUTCString())}</td></tr>
<tr><th scope="row">Email</th><td>${escapeHtml(latest.email ?? 'none')}</td></tr>
<tr><th scope="row">Groups sent</th><td>${escapeHtml(latest.groups.join(', ') || 'none')}</td></tr>
<tr><th scope="row">Roles a sign-in would give</th><td>${escapeHtml(latest.roles.join(', ') || 'none')}</td></tr></table>
${problems ? `<h3>What to fix</h3><ul>${problems}</ul>` : ''}`;
  }
  return portalPage(
    frame,
    'Test sign-in',
    `<p>Sign in through your identity provider once, as anyone of your organization. The test creates no account and no session; it shows what your identity provider sends and what a real sign-in would do.</p>
${form('/setup/test', csrf, '<button type="submit">Run a test sign-in</button>')}
<div aria-live="polite">${report}</div>`,
  );
}

export interface MappingRow {
  id: string;
  idpGroupId: string;
  name: string | null;
  role: string;
}

const roleOptions = (selected: string) =>
  ROLE_SLUGS.map((role) => `<option value="${role}"${role === selected ? ' selected' : ''}>${role}</option>`).join('');

export function rolesPage(
  frame: PortalFrame,
  csrf: string,
  model: {
    hasConnection: boolean;
    groupIdMeaning: string;
    mappings: readonly MappingRow[];
    defaultRole: string;
    jitProvisioning: boolean;
    error?: FormError;
    typed?: Record<string, string>;
  },
): string {
  const rows = model.mappings
    .map(
      (
        mapping,
      ) => `<tr><td><code>${escapeHtml(mapping.idpGroupId)}</code>${mapping.name ? ` (${escapeHtml(mapping.name)})` : ''}</td><td>${escapeHtml(mapping.role)}</td>
<td>${form(`/setup/roles/mappings/${mapping.id}/delete`, csrf, `<button type="submit" class="secondary" aria-label="Remove the mapping of ${escapeHtml(mapping.idpGroupId)}">Remove</button>`)}</td></tr>`,
    )
    .join('');
  const mappingForm = model.hasConnection
    ? form(
        '/setup/roles/mappings',
        csrf,
        `${field({ name: 'idpGroupId', label: 'Group', value: model.typed?.idpGroupId, error: errorFor(model.error, 'idpGroupId'), required: true, help: `Your identity provider’s ${model.groupIdMeaning}.` })}
${field({ name: 'name', label: 'A name to recognise it by', value: model.typed?.name, error: errorFor(model.error, 'name') })}
<label for="field-role">Role</label><select id="field-role" name="role">${roleOptions(model.typed?.role ?? 'editor')}</select>
<button type="submit">Add mapping</button>`,
      )
    : '<p>Connect your identity provider first to map its groups.</p>';
  return portalPage(
    frame,
    'Groups and roles',
    `<p>Optional. People get the roles their groups map to; everyone else gets the default role.</p>
${otherError(model.error, ['idpGroupId', 'name', 'role', 'defaultRole'])}
${model.mappings.length ? `<table><thead><tr><th scope="col">Group</th><th scope="col">Role</th><th scope="col"></th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No mapping yet.</p>'}
${mappingForm}
<h3>Everyone else</h3>
${form(
  '/setup/roles/defaults',
  csrf,
  `<label for="field-defaultRole">Default role</label><select id="field-defaultRole" name="defaultRole">${roleOptions(model.defaultRole)}</select>
<label><input type="checkbox" name="jitProvisioning" value="on"${model.jitProvisioning ? ' checked' : ''}> Create accounts at the first sign-in (otherwise only invited people may sign in)</label>
<button type="submit" class="secondary">Save</button>`,
)}`,
  );
}

export function requireSsoPage(
  frame: PortalFrame,
  csrf: string,
  model: { ssoRequired: boolean; connectionVerified: boolean; error?: FormError },
): string {
  const problem = model.error ? `<p class="alert" role="alert">${escapeHtml(model.error.message)}</p>` : '';
  if (model.ssoRequired) {
    return portalPage(
      frame,
      'Require SSO',
      `${problem}<p class="ok">SSO is required: your people sign in only through your identity provider.</p>
${form('/setup/require-sso', csrf, '<input type="hidden" name="ssoRequired" value="off"><button type="submit" class="secondary">Stop requiring SSO</button>')}`,
    );
  }
  if (!model.connectionVerified) {
    return portalPage(
      frame,
      'Require SSO',
      `${problem}<p>Offered once a <a href="/setup/test">test sign-in</a> has worked, so nobody is locked out.</p>`,
    );
  }
  return portalPage(
    frame,
    'Require SSO',
    `${problem}<p>When SSO is required, email sign-in links stop working for your domains and everyone signs in through your identity provider.</p>
${form('/setup/require-sso', csrf, '<input type="hidden" name="ssoRequired" value="on"><button type="submit">Require SSO</button>')}`,
  );
}
