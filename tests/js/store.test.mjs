// The board's pure store (static/js/boards/store.js) without a browser: `make test-js`
// (node --test tests/js/). The store takes the device's storage; here a memory one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createStore, memoryStorage, byPosition, inSeqOrder } from "../../static/js/boards/store.js";

const BOARD = 7;
const ME = 3;

function snapshot(extra = {}) {
  return {
    id: BOARD,
    title: "Board",
    seq: 10,
    viewer: { id: ME, name: "Ana" },
    lanes: [
      { id: 1, title: "Now", default_kind: "signpost" },
      { id: 2, title: "Next", default_kind: "commitment" },
    ],
    notes: [
      { id: 100, lane_id: 1, kind: "signpost", text: "a", position: "a", version: 1, votes: 0, author: { id: ME } },
      { id: 101, lane_id: 1, kind: "signpost", text: "b", position: "b", version: 1, votes: 2, author: { id: 9 } },
    ],
    my_votes: [],
    ...extra,
  };
}

function loaded(storage = memoryStorage()) {
  const store = createStore(BOARD, ME, storage);
  store.load(snapshot());
  return store;
}

function op(seq, type, result, extra = {}) {
  return { board_id: BOARD, seq, type, result, actor: { id: 9, name: "Bo" }, ...extra };
}

test("a snapshot loads the notes, marks mine, and orders lanes by position", () => {
  const store = loaded();
  const v = store.view();
  assert.equal(store.state.seq, 10);
  assert.deepEqual(v.byLane.get(1).map((n) => n.id), [100, 101]);
  assert.deepEqual(v.byLane.get(2), []);
  store.putNote(store.state.notes.get(100), false);
  assert.equal(store.state.notes.get(100).mine, true);
  store.putNote(store.state.notes.get(101), false);
  assert.equal(store.state.notes.get(101).mine, false);
});

test("ops apply in seq order; a duplicate is skipped; one ahead of a gap waits", () => {
  const store = loaded();
  const created = (id, seq) => op(seq, "note.create", {
    note: { id, lane_id: 2, kind: "commitment", text: "n" + id, position: "c" + id, version: 1 },
  });
  assert.deepEqual(store.applyMessage(created(200, 11), false), { applied: true, gap: false, resync: false });
  assert.equal(store.applyMessage(created(200, 11), false).applied, false); // duplicate
  assert.equal(store.applyMessage(created(201, 10), false).applied, false); // old
  const ahead = store.applyMessage(created(203, 13), false);
  assert.deepEqual(ahead, { applied: true, gap: true, resync: false });
  assert.equal(store.state.seq, 11);
  assert.equal(store.applyMessage(created(203, 13), false).applied, false); // already held ahead
  const filled = store.applyMessage(created(202, 12), false);
  assert.deepEqual(filled, { applied: true, gap: false, resync: false });
  assert.equal(store.state.seq, 13);
  assert.equal(store.state.ahead.size, 0);
  assert.deepEqual(store.view().byLane.get(2).map((n) => n.id), [200, 202, 203]);
});

test("an older copy of a note never replaces a newer one", () => {
  const store = loaded();
  store.applyMessage(op(11, "note.update", { note: { ...snapshot().notes[1], text: "new", version: 3 } }), false);
  store.applyMessage(op(12, "note.update", { note: { ...snapshot().notes[1], text: "old", version: 2 } }), false);
  assert.equal(store.state.notes.get(101).text, "new");
});

test("moves, deletes and a resync flag come from op results", () => {
  const store = loaded();
  store.applyMessage(op(11, "note.move", { note_id: 101, lane_id: 2, position: "z" }), false);
  assert.deepEqual(store.view().byLane.get(2).map((n) => n.id), [101]);
  store.applyMessage(op(12, "note.delete", { note_id: 100 }), false);
  assert.equal(store.state.notes.has(100), false);
  assert.equal(store.applyMessage(op(13, "board.phase", { resync: true }), false).resync, true);
});

test("my queued ops are drawn on top of the server copy (optimistic view)", () => {
  const store = loaded();
  const create = store.enqueue("note.create", { lane_id: 2, text: "draft" });
  store.enqueue("note.update", { note_id: 101, text: "edited", base_version: 1 });
  store.enqueue("vote.add", { note_id: 101 });
  store.enqueue("note.move", { note_id: 100, lane_id: 2, after: "t:" + create.op_id });
  const v = store.view();
  const temp = v.notes.get("t:" + create.op_id);
  assert.equal(temp.pending, true);
  assert.equal(temp.kind, "commitment"); // the lane's default kind
  assert.equal(store.isTemp(temp.id), true);
  assert.equal(v.notes.get(101).text, "edited");
  assert.equal(v.notes.get(101).votes, 3);
  assert.ok(v.myVotes.has(101));
  assert.deepEqual(v.byLane.get(2).map((n) => n.id), ["t:" + create.op_id, 100]);
  // The server copy is untouched.
  assert.equal(store.state.notes.get(101).text, "b");
});

test("an ack renames a temporary note in the ops queued after it", () => {
  const store = loaded();
  const create = store.enqueue("note.create", { lane_id: 1, text: "x" });
  const move = store.enqueue("note.move", { note_id: "t:" + create.op_id, lane_id: 2 });
  const ack = { ok: true, seq: 11, result: { note: { id: 300, lane_id: 1, text: "x", position: "c", version: 1 } } };
  store.dequeue(create.op_id);
  store.confirm(create, ack);
  assert.equal(store.state.queue[0].op_id, move.op_id);
  assert.equal(store.state.queue[0].data.note_id, 300);
  store.applyMessage({ board_id: BOARD, seq: 11, type: "note.create", result: ack.result }, true);
  assert.equal(store.keyOf(store.state.notes.get(300)), "t:" + create.op_id); // same DOM key
  assert.equal(store.state.notes.get(300).mine, true);
});

test("the queue is kept per identity on the device and restored", () => {
  const storage = memoryStorage();
  const store = loaded(storage);
  store.enqueue("note.create", { lane_id: 1, text: "offline" });
  const again = createStore(BOARD, ME, storage);
  again.restore();
  assert.equal(again.state.queue.length, 1);
  assert.equal(again.state.queue[0].data.text, "offline");
  const other = createStore(BOARD, 4, storage); // another identity on the same phone
  other.restore();
  assert.equal(other.state.queue.length, 0);
  again.forget();
  const gone = createStore(BOARD, ME, storage);
  gone.restore();
  assert.equal(gone.state.queue.length, 0);
});

test("a refused create drops the queued ops that name it", () => {
  const store = loaded();
  const create = store.enqueue("note.create", { lane_id: 1, text: "x" });
  store.enqueue("note.update", { note_id: "t:" + create.op_id, text: "y" });
  store.dequeue(create.op_id);
  const dropped = store.dropOrphans("t:" + create.op_id);
  assert.equal(dropped.length, 1);
  assert.equal(store.state.queue.length, 0);
});

test("a redacted note leaves nothing queued about it", () => {
  const store = loaded();
  store.enqueue("note.update", { note_id: 101, text: "y", base_version: 1 });
  store.applyMessage(op(11, "note.redact", { note_id: 101, deleted_note_ids: [101] }), false);
  assert.equal(store.state.notes.has(101), false);
  assert.equal(store.state.queue.length, 0);
});

test("byPosition orders by position, then id", () => {
  const list = [{ id: 2, position: "b" }, { id: 3, position: "a" }, { id: 1, position: "b" }];
  assert.deepEqual(list.sort(byPosition).map((n) => n.id), [3, 1, 2]);
});

test("a batch (event `ops`) applies like the same run of single ops, in seq order", () => {
  const one = loaded();
  const batch = loaded();
  const msgs = [12, 11, 11, 14, 13].map((seq) => op(seq, "note.create", {
    note: { id: 400 + seq, lane_id: 2, kind: "commitment", text: "n", position: "p" + seq, version: 1 },
  }));
  [11, 12, 13, 14].forEach((seq) => one.applyMessage(msgs.find((m) => m.seq === seq), false));
  const ordered = inSeqOrder([...msgs, null, "x"]);
  assert.deepEqual(ordered.map((m) => m.seq), [11, 11, 12, 13, 14]);
  const applied = ordered.map((m) => batch.applyMessage(m, false).applied);
  assert.deepEqual(applied, [true, false, true, true, true]); // the duplicate is skipped
  assert.equal(batch.state.seq, 14);
  assert.deepEqual([...batch.view().notes.keys()], [...one.view().notes.keys()]);
  assert.deepEqual(inSeqOrder(undefined), []);
});

test("a coalesced move only advances the seq; the batch's last move places the note", () => {
  const store = loaded();
  const batch = [
    { board_id: BOARD, seq: 11, op_id: "m1", type: "coalesced", data: {}, result: {}, actor: null },
    op(12, "note.move", { note_id: 101, lane_id: 2, position: "q" }),
  ];
  inSeqOrder(batch).forEach((msg) => store.applyMessage(msg, false));
  assert.equal(store.state.seq, 12);
  assert.equal(store.state.ahead.size, 0);
  assert.deepEqual(store.view().byLane.get(2).map((n) => n.id), [101]);
});

test("a page of notes adds only the notes not known yet (an op's copy is as new or newer)", () => {
  const store = loaded();
  // an op brought note 300 before its page arrived: the page's older copy does not replace it
  store.applyMessage(op(11, "note.update", {
    note: { id: 300, lane_id: 2, kind: "signpost", text: "edited", position: "p", version: 2 },
  }), false);
  const added = store.addPage([
    { id: 300, lane_id: 2, kind: "signpost", text: "old", position: "p", version: 1 },
    { id: 301, lane_id: 1, kind: "signpost", text: "paged", position: "c", version: 1 },
  ]);
  assert.equal(added, 1);
  assert.equal(store.state.notes.get(300).text, "edited");
  assert.equal(store.state.notes.get(301).text, "paged");
  assert.equal(store.addPage([{ id: 301, text: "again", version: 1 }]), 0);
});

test("translations (issue 15): live, kept when a note's result arrives, outdated, pending", () => {
  const store = loaded();
  const tr = { text: "Traduction", outdated: false, note_version: 1, by: { id: 9, name: "Bo" } };
  store.applyMessage(op(11, "note.translate", { note_id: 101, lang: "fr", translation: tr }), false);
  assert.deepEqual(store.state.notes.get(101).translations, { fr: tr });
  // a move's or an edit's result carries the note without its translations: they stay
  store.applyMessage(op(12, "note.update", {
    note: { id: 101, lane_id: 1, kind: "signpost", text: "b2", position: "b", version: 2, votes: 2 },
    translations_outdated: ["fr"],
  }), false);
  assert.equal(store.state.notes.get(101).text, "b2");
  assert.equal(store.state.notes.get(101).translations.fr.outdated, true);
  assert.equal(store.state.notes.get(101).translations.fr.text, "Traduction");
  // a queued translation shows at once, marked pending, before the server confirms it
  store.enqueue("note.translate", { note_id: 100, lang: "km", text: "ការបកប្រែ" });
  const queued = store.view().notes.get(100).translations.km;
  assert.equal(queued.text, "ការបកប្រែ");
  assert.equal(queued.pending, true);
  // taken back, or removed in catch-up (the note deleted since): gone
  store.applyMessage(op(13, "note.untranslate", { note_id: 101, lang: "fr", removed: true }), false);
  assert.deepEqual(store.state.notes.get(101).translations, {});
  store.applyMessage(op(14, "note.translate", { note_id: 101, lang: "vi", translation: { text: "", removed: true } }), false);
  assert.deepEqual(store.state.notes.get(101).translations, {});
});
