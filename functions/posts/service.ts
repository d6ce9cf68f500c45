import { sql } from "drizzle-orm";
import { andThen } from "../../db/runner/plan";
import { posts } from "../../db/schema";
import { notFound } from "../lib/errors";
import { exposing } from "../lib/expose";
import { resourceService } from "../lib/resource-service";
import type { Scope } from "../lib/scope";
import {
  type PostCreate,
  type PostDetail,
  PostDetailSchema,
  PostListEntrySchema,
  PostSchema,
  type PostUpdate,
  postRelations,
} from "./schemas";

const base = resourceService(posts, { name: "Post", expose: PostSchema, listed: PostListEntrySchema });

/** Featuring a post (or un-featuring it) is a superuser's call, checked by the context statement. */
const featuring = (input: { is_featured?: boolean }) => ({ superuserOnly: input.is_featured !== undefined });
const showDetail = exposing(PostDetailSchema);

// Ownership is never checked here. RLS shows a user its own posts and everyone's published ones, and lets
// it write only its own: another user's post is not found (an UPDATE hits no row), a forged owner_id is
// refused by the INSERT policy (42501 -> 403). owner_id defaults to the current user in the database.
// DELETE is soft: the post then reads as not found, except to its author's restore.
export const postsService = {
  ...base,

  get: (scope: Scope, id: string) =>
    scope.run((q) =>
      andThen(base.rows.getJoined(q, id, postRelations), (post) => {
        if (!post) throw notFound("Post");
        return showDetail(post as PostDetail);
      }),
    ),

  /**
   * A published post gets published_at now (the database's clock, which chk_posts_published_at compares with)
   * unless the client gave one. Setting is_featured is for superusers: the request is refused (403) before any
   * statement otherwise, and the database would refuse it anyway (posts_insert_not_featured).
   */
  create: (scope: Scope, input: PostCreate) =>
    scope.run(
      (q) =>
        andThen(
          base.rows.create(q, {
            ...input,
            published_at: input.published_at ?? (input.is_published ? sql`now()` : null),
          }),
          base.show,
        ),
      featuring(input),
    ),

  /**
   * Publishing keeps a post's first published_at, or sets it now; unpublishing keeps it. is_featured as for
   * create (for an author, the column's UPDATE privilege is not granted).
   */
  update: (scope: Scope, id: string, input: PostUpdate) => {
    const publishing = input.is_published === true && input.published_at == null;
    const values = publishing ? { ...input, published_at: sql`coalesce(${posts.published_at}, now())` } : input;
    return scope.run((q) => andThen(base.rows.update(q, id, values), base.found), featuring(input));
  },
};
