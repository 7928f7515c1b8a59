/**
 * Counts event-loop turns: one immediate per turn, each scheduling the next. Work that reads
 * `turn` as it runs tells which turn it ran in; two reads in one turn see the same number.
 */
export function turnCounter(): { readonly turn: number; stop(): void } {
  let turn = 0;
  let on = true;
  const tick = () => {
    turn++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turn() {
      return turn;
    },
    stop() {
      on = false;
    },
  };
}
