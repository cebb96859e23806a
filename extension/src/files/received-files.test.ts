// "Open" / "Show in folder" find the saved download by folder, name and size.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { receivedFiles, savedFilePattern, type DownloadsForFiles } from './received-files.ts'

function fakeDownloads(items: { id: number; filename: string; fileSize: number }[]) {
  const shown: number[] = []
  const opened: number[] = []
  const api: DownloadsForFiles = {
    search: (query) =>
      Promise.resolve(
        items
          .filter((i) => new RegExp(query.filenameRegex).test(i.filename))
          .map((i) => ({ ...i, totalBytes: i.fileSize })),
      ),
    show: (id) => void shown.push(id),
    open: (id) => void opened.push(id),
  }
  return { api, shown, opened }
}

describe('received files', () => {
  test('the saved path pattern: Hestia folder, the safe name, a browser " (n)" suffix', () => {
    const pattern = new RegExp(savedFilePattern('report.final.pdf'))
    assert.ok(pattern.test('/home/u/Downloads/Hestia/report.final.pdf'))
    assert.ok(pattern.test('C:\\Users\\u\\Downloads\\Hestia\\report.final (2).pdf'))
    assert.ok(!pattern.test('/home/u/Downloads/report.final.pdf'), 'not outside the Hestia folder')
    assert.ok(!pattern.test('/home/u/Downloads/Hestia/reportXfinal.pdf'), 'dots are literal')
    // A hostile offered name is matched as it was saved (slashes made safe), never as a path.
    assert.ok(new RegExp(savedFilePattern('../../etc/passwd')).test('/d/Hestia/_.._etc_passwd'))
  })

  test('show and open pick the download with the same size; a missing file says so', async () => {
    const { api, shown, opened } = fakeDownloads([
      { id: 1, filename: '/d/Hestia/photo.jpg', fileSize: 10 },
      { id: 2, filename: '/d/Hestia/photo (1).jpg', fileSize: 2048 },
    ])
    const files = receivedFiles(api, () => Promise.resolve(true))
    assert.equal(await files.show({ name: 'photo.jpg', size: 2048 }), true)
    assert.deepEqual(shown, [2])
    assert.equal(await files.open({ name: 'photo.jpg', size: 10 }), true)
    assert.deepEqual(opened, [1])
    assert.equal(await files.show({ name: 'photo.jpg', size: 99 }), false)
  })

  test('open only with the downloads.open permission', async () => {
    const { api, opened } = fakeDownloads([{ id: 5, filename: '/d/Hestia/a.txt', fileSize: 3 }])
    const files = receivedFiles(api, () => Promise.resolve(false))
    assert.equal(await files.canOpen(), false)
    assert.equal(await files.open({ name: 'a.txt', size: 3 }), false)
    assert.deepEqual(opened, [])
  })
})
