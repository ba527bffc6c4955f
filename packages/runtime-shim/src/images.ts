/** ImageService over the engine: names resolve against the cluster's registry first. */
import type { Engine, ImageInspectInfo } from "./docker/index.js";
import type { Image } from "@kates/cri-api";
import { isDockerNotFound, notFound, RuntimeError, toGrpcError } from "./errors.js";
import { resolveImage } from "./image-names.js";

export class Images {
  constructor(private readonly engine: Engine, private readonly registry: string) {}

  resolve(image: string): string {
    return resolveImage(image, this.registry);
  }

  async list(): Promise<Image[]> {
    return (await this.engine.listImages()).map((i) => ({ id: i.Id, repo_tags: i.RepoTags ?? [], repo_digests: i.RepoDigests ?? [], size: i.Size }));
  }

  /** The image, or undefined when it is not present locally. */
  async status(image: string): Promise<Image | undefined> {
    try {
      return toImage(await this.engine.inspectImage(this.resolve(image)));
    } catch (err) {
      if (isDockerNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Pulls and returns the image ID; NOT_FOUND when the registry has no such repository or tag. */
  async pull(image: string, auth?: { username: string; password: string } | null): Promise<string> {
    const ref = this.resolve(image);
    try {
      await this.engine.pull(ref, auth ?? undefined);
    } catch (err) {
      const e = toGrpcError(err);
      throw new RuntimeError(e.code, `pulling ${image} (${ref}): ${e.details}`);
    }
    const info = await this.engine.inspectImage(ref).catch(() => undefined);
    if (!info) throw notFound(`pulling ${image} (${ref}): image not present after pull`);
    return info.Id;
  }

  async remove(image: string): Promise<void> {
    try {
      await this.engine.removeImage(this.resolve(image));
    } catch (err) {
      if (!isDockerNotFound(err)) throw err;
    }
  }
}

function toImage(i: ImageInspectInfo): Image {
  return { id: i.Id, repo_tags: i.RepoTags ?? [], repo_digests: i.RepoDigests ?? [], size: i.Size };
}
