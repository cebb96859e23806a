// Backup in the popup (issue 17): Settings → Backup and the first run's "Restore from a backup" as
// a person reads them, the file helpers, and export → import across two fixture clients (the
// same answers as the node: a recovery code shown once, typed failures that change nothing).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { createFixtureClient, createManualClock } from '@hestia/core/test-support/fixture-client.ts'
import { renderFile } from './support/render.ts'
import { AppState } from '../src/lib/app-state.ts'
import { VaultState } from '../src/lib/vault-state.ts'
import { base64UrlToBytes, bytesToBase64Url, sizeText } from '../src/lib/backup-file.ts'

const clock = () => createManualClock(Date.UTC(2026, 11, 6, 9))
const never = () => new Promise<never>(() => undefined)

describe('Settings → Backup', () => {
  test('says what the file holds and what it does not; passphrase or recovery code, labelled', async () => {
    const view = await renderFile('components/BackupSettings.svelte', { onexport: never })
    for (const part of [
      'your identity, your contacts and whether you verified them, your message history and your settings',
      'It does not hold files you sent or received, messages still waiting to be sent, or the encryption sessions',
      'Restoring it on another device replaces this one',
    ])
      assert.ok(view.text.includes(part), part)
    assert.ok(view.find('input', { type: 'radio', value: 'passphrase' }))
    assert.ok(view.find('input', { type: 'radio', value: 'code' }))
    assert.ok(view.text.includes('A recovery code Hestia generates (30 digits, shown once)'))
    assert.ok(view.find('input', { id: 'backup-passphrase', type: 'password' }))
    assert.ok(view.find('label', { for: 'backup-passphrase' }))
    assert.ok(view.find('label', { for: 'backup-repeat' }))
    assert.ok(view.find('button', { type: 'submit' })?.has('disabled'), 'nothing typed yet')
    assert.ok(view.text.includes('It is not stored.'))
  })

  test('Settings shows the section only when the host can export', async () => {
    const props = {
      settings: { status: 'loading' },
      connectivity: null,
      identity: null,
      onupdate: () => undefined,
      onaddrelay: () => Promise.resolve(),
      onremoverelay: () => undefined,
      onabout: () => undefined,
      onback: () => undefined,
      onretry: () => undefined,
    }
    const without = await renderFile('components/SettingsView.svelte', props)
    assert.ok(!without.find('section', { 'data-testid': 'backup-settings' }))
    const withIt = await renderFile('components/SettingsView.svelte', { ...props, onbackup: never })
    assert.ok(withIt.find('section', { 'data-testid': 'backup-settings' }))
  })
})

describe('first run → Restore from a backup', () => {
  test('the first run offers it; the restore screen has a labelled file picker and secret field', async () => {
    const first = await renderFile('components/FirstRun.svelte', {
      oncreate: () => undefined,
      onabout: () => undefined,
      onrestore: () => undefined,
    })
    assert.ok(first.text.includes('Restore from a backup'))
    const view = await renderFile('components/RestoreBackup.svelte', {
      onrestore: never,
      oncancel: () => undefined,
    })
    assert.ok(view.find('input', { id: 'restore-file', type: 'file' }))
    assert.ok(view.find('label', { for: 'restore-file' }))
    assert.ok(view.find('input', { id: 'restore-passphrase', type: 'password' }))
    assert.ok(view.find('label', { for: 'restore-passphrase' }))
    assert.ok(view.text.includes('No file chosen yet.'))
    assert.ok(view.find('button', { type: 'submit' })?.has('disabled'))
    assert.ok(view.text.includes('Back: create a new identity instead'))
    assert.ok(
      !view.find('input', { id: 'restore-device-passphrase' }),
      'only while this device has no passphrase',
    )
    const vault = new VaultState(createFixtureClient({ clock: clock(), firstRun: true }))
    vault.status = { status: 'ready', value: { state: 'none', autoLockMinutes: 15 } }
    const protectable = await renderFile('components/RestoreBackup.svelte', {
      onrestore: never,
      oncancel: () => undefined,
      vault,
    })
    assert.ok(protectable.find('input', { id: 'restore-device-passphrase', type: 'password' }))
    assert.ok(protectable.find('label', { for: 'restore-device-passphrase' }))
    assert.ok(protectable.text.includes('so your history is never stored unencrypted'))
  })
})

describe('backup files and the round trip over fixture clients', () => {
  test('base64url both ways (a 1 MB file), sizes in words', () => {
    const bytes = Uint8Array.from({ length: 1_000_003 }, (_, i) => (i * 31) & 0xff)
    const text = bytesToBase64Url(bytes)
    assert.match(text, /^[A-Za-z0-9_-]+$/)
    assert.deepEqual(base64UrlToBytes(text), bytes)
    assert.throws(() => base64UrlToBytes('not base64!'))
    assert.equal(sizeText(812), '812 bytes')
    assert.equal(sizeText(14_200), '14.2 KB')
    assert.equal(sizeText(3_100_000), '3.1 MB')
  })

  test('export with a recovery code in A; a wrong code then the right one in a fresh A′', async () => {
    const a = createFixtureClient({ clock: clock() })
    const exported = await a.request({ type: 'backup.export', passphrase: null })
    assert.ok(exported.ok)
    assert.match(exported.value.recoveryCode ?? '', /^(\d{5} ){5}\d{5}$/)
    const fresh = new AppState(createFixtureClient({ clock: clock(), firstRun: true }))
    await fresh.loadIdentity()
    await assert.rejects(
      fresh.restoreBackup(exported.value.file, '00000 00000 00000 00000 00000 00000'),
      {
        code: 'backup_wrong_passphrase',
      },
    )
    assert.equal(
      fresh.identity.status === 'ready' && fresh.identity.value.state,
      'none',
      'still the first run',
    )
    await assert.rejects(fresh.restoreBackup(bytesToBase64Url(new Uint8Array([1, 2, 3])), 'x'), {
      code: 'backup_not_a_backup',
    })
    const restored = await fresh.restoreBackup(exported.value.file, exported.value.recoveryCode!)
    assert.equal(restored.state, 'ready')
    const original = await a.request({ type: 'identity.status' })
    assert.ok(original.ok && original.value.state === 'ready' && restored.state === 'ready')
    assert.equal(restored.fingerprint, original.value.fingerprint)
    assert.ok(CLIENT_ERROR_TEXT.backup_wrong_passphrase.includes('Nothing was imported'))
  })
})
