interface Waiter<V> {
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the lookups asked for in one event-loop turn and answers them with one query
 * (`run`) per `max` distinct keys. Each lookup is asked after its request arrived, so the
 * answer reflects every write acknowledged before it; nothing is kept between turns.
 */
export class TurnBatcher<K, V> {
  private waiting = new Map<K, Array<Waiter<V>>>();

  constructor(
    private readonly run: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly max = 256,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) setImmediate(this.flush);
      const list = this.waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
    });
  }

  private readonly flush = (): void => {
    const all = [...this.waiting];
    this.waiting = new Map();
    for (let i = 0; i < all.length; i += this.max) {
      const chunk = all.slice(i, i + this.max);
      this.run(chunk.map(([key]) => key)).then(
        (found) => {
          for (const [key, list] of chunk) for (const w of list) w.resolve(found.get(key));
        },
        (error) => {
          for (const [, list] of chunk) for (const w of list) w.reject(error);
        },
      );
    }
  };
}
