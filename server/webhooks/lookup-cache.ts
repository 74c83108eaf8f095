// Recently read users and teams, for the payload fields a post's deliveries
// carry (user_name, team_domain). They decide nothing about who may see what,
// so a name changed moments ago at worst shows its old value for ttlMs; in
// return a busy channel costs no user or team read per post.

export class LookupCache<V> {
  private readonly entries = new Map<string, {at: number; value: Promise<V>}>();

  constructor(
    private readonly load: (id: string) => Promise<V>,
    private readonly ttlMs: number,
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): Promise<V> {
    const t = this.now();
    const hit = this.entries.get(id);
    if (hit && t - hit.at < this.ttlMs && t >= hit.at) return hit.value;
    const value = this.load(id);
    this.entries.delete(id);
    this.entries.set(id, {at: t, value});
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    // A failed read is not remembered: the next post asks again.
    value.catch(() => {
      if (this.entries.get(id)?.value === value) this.entries.delete(id);
    });
    return value;
  }
}
