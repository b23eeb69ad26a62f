import { dejafixDir } from "../git/repo.js";
import { IndexStore, indexPath } from "./store.js";

/** Opens the index of the repository containing `repoDir` (created on first use). */
export async function openIndex(repoDir: string, opts: { readonly?: boolean } = {}): Promise<IndexStore> {
  return new IndexStore(indexPath(await dejafixDir(repoDir)), opts);
}
