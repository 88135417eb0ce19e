/**
 * Marktplaats-style advertisements: deterministic seed data, the body rules of `POST`/`PUT
 * /advertisements`, the offset/limit paging rules and the HAL presentation. Pure functions only.
 */
import { z } from 'zod';

export type Modality = 'fixed' | 'bidding' | 'free' | 'see-description';

export interface Advertisement {
  itemId: string;
  title: string;
  description: string;
  categoryId: number;
  priceModel: { modality: Modality; askingPrice?: number };
  location: { postcode: string };
  createdAt: string;
}

/** Level-1 categories of the sandbox (a small, fixed subset in the provider's style). */
export const CATEGORIES: Readonly<Record<number, string>> = {
  1: 'Antiquités | Art',
  31: 'Audio, TV & Photo',
  201: 'Livres',
  239: 'Maison & Meubles',
  322: 'Informatique & Logiciels',
  445: 'Vélos & Deux-roues',
  1099: 'Vêtements | Femmes',
  1847: 'Sports & Fitness',
};

const MODALITIES = ['fixed', 'bidding', 'free', 'see-description'] as const;

/** The demo user's profile, served by `GET /me`. */
export const DEMO_USER = {
  userId: 20481234,
  email: 'demo@sandbox.2ememain.test',
  nickname: 'Demo Vendeur',
  locale: 'fr-BE',
  memberSince: '2019-03-02T10:15:00Z',
  location: { postcode: '1000', cityName: 'Bruxelles', countryCode: 'BE' },
} as const;

/** mulberry32: a tiny deterministic PRNG, so every sandbox seeds the same ads. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const THINGS = [
  'Vélo de ville',
  'Canapé 3 places',
  'Lampe vintage',
  'Appareil photo',
  'Table en chêne',
  'Guitare acoustique',
  'Lot de livres',
  'Veste en cuir',
  'Écran 27 pouces',
  'Chaise design',
  'Tapis berbère',
  'Raquette de tennis',
];
const QUALITIES = ['comme neuf', 'bon état', 'à restaurer', 'peu servi', 'état correct', 'avec facture'];
const POSTCODES = [
  '1000',
  '1050',
  '1180',
  '2000',
  '3000',
  '4000',
  '5000',
  '6000',
  '7000',
  '8000',
  '9000',
  '1300',
];
const SEED_EPOCH = Date.parse('2025-01-01T08:00:00Z');

/** `count` ads of the demo user, oldest first; the same for every call. */
export function seedAdvertisements(count: number): Advertisement[] {
  const rand = prng(0x2e3e3a1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const categoryIds = Object.keys(CATEGORIES).map(Number);
  const ads: Advertisement[] = [];
  let number = 1_804_200;
  for (let i = 0; i < count; i++) {
    number += 1 + Math.floor(rand() * 40);
    const modality = pick(MODALITIES);
    const thing = pick(THINGS);
    ads.push({
      itemId: `m${number}`,
      title: `${thing} — ${pick(QUALITIES)}`,
      description: `${thing} à vendre. Annonce de démonstration du bac à sable 2ememain (n° ${i + 1}).`,
      categoryId: pick(categoryIds),
      priceModel:
        modality === 'fixed' ? { modality, askingPrice: 500 + Math.floor(rand() * 400) * 100 } : { modality },
      location: { postcode: pick(POSTCODES) },
      createdAt: new Date(SEED_EPOCH + i * 3_600_000 + Math.floor(rand() * 3_000_000)).toISOString(),
    });
  }
  return ads;
}

/** The item number after the highest one in use. */
export function nextItemNumber(ads: readonly Advertisement[]): number {
  return ads.reduce((max, ad) => Math.max(max, Number(ad.itemId.slice(1)) || 0), 1_804_200) + 1;
}

export const AdvertisementBodySchema = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(60, 'must be at most 60 characters'),
  description: z.string().max(4000, 'must be at most 4000 characters').optional(),
  categoryId: z
    .number()
    .int('must be an integer')
    .refine((id) => id in CATEGORIES, 'is not a known category'),
  priceModel: z
    .strictObject({
      modality: z.enum(MODALITIES),
      askingPrice: z
        .number()
        .int('must be an integer number of cents')
        .min(0, 'must not be negative')
        .optional(),
    })
    .superRefine((pm, ctx) => {
      if (pm.modality === 'fixed' && pm.askingPrice === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['askingPrice'],
          message: 'is required for a fixed price',
          params: { kind: 'missing' },
        });
      }
      if ((pm.modality === 'free' || pm.modality === 'see-description') && pm.askingPrice !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['askingPrice'],
          message: `is not allowed with modality ${pm.modality}`,
        });
      }
    }),
  location: z.strictObject({
    postcode: z.string().regex(/^[1-9][0-9]{3}$/, 'must be a Belgian postcode of 4 digits'),
  }),
});

export type AdvertisementBody = z.output<typeof AdvertisementBodySchema>;

export interface ValidationDetail {
  field: string;
  code: string;
  message: string;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function detailCode(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? 'missing' : 'invalid-type';
    case 'too_small':
      return 'too-short';
    case 'too_big':
      return 'too-long';
    case 'invalid_value':
      return 'invalid-value';
    case 'invalid_format':
      return 'invalid-format';
    case 'custom':
      return (issue.params as { kind?: string } | undefined)?.kind ?? 'invalid-value';
    default:
      return 'invalid';
  }
}

/** Validate an ad body; `details` name each offending field with a dotted path, as the provider does. */
export function validateAdvertisementBody(
  input: unknown,
): { ok: true; body: AdvertisementBody } | { ok: false; details: ValidationDetail[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      ok: false,
      details: [{ field: '', code: 'invalid-type', message: 'the body must be a JSON object' }],
    };
  }
  const parsed = AdvertisementBodySchema.safeParse(input);
  if (parsed.success) return { ok: true, body: parsed.data };
  const details: ValidationDetail[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({
          field: [...issue.path, key].join('.'),
          code: 'unknown-field',
          message: 'is not a known field',
        });
      }
      continue;
    }
    const code = detailCode(issue, input);
    details.push({
      field: issue.path.join('.'),
      code,
      message: code === 'missing' ? 'is required' : issue.message,
    });
  }
  return { ok: false, details };
}

export function toAdvertisement(itemId: string, body: AdvertisementBody, createdAt: string): Advertisement {
  return {
    itemId,
    title: body.title,
    description: body.description ?? '',
    categoryId: body.categoryId,
    priceModel:
      body.priceModel.askingPrice === undefined
        ? { modality: body.priceModel.modality }
        : { modality: body.priceModel.modality, askingPrice: body.priceModel.askingPrice },
    location: { postcode: body.location.postcode },
    createdAt,
  };
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/**
 * The provider's paging rules: `limit` 1–100 (default 20), `offset` ≥ 0 (default 0) and a multiple of
 * `limit`; anything else is `400 pagination-invalid`.
 */
export function parsePagination(
  offsetRaw: string | undefined,
  limitRaw: string | undefined,
): { ok: true; offset: number; limit: number } | { ok: false; message: string } {
  const integer = /^(0|[1-9][0-9]{0,8})$/;
  if (limitRaw !== undefined && !integer.test(limitRaw))
    return { ok: false, message: 'limit must be an integer' };
  if (offsetRaw !== undefined && !integer.test(offsetRaw))
    return { ok: false, message: 'offset must be an integer' };
  const limit = limitRaw === undefined ? DEFAULT_LIMIT : Number(limitRaw);
  const offset = offsetRaw === undefined ? 0 : Number(offsetRaw);
  if (limit < 1 || limit > MAX_LIMIT)
    return { ok: false, message: `limit must be between 1 and ${MAX_LIMIT}` };
  if (offset % limit !== 0) return { ok: false, message: 'offset must be a multiple of limit' };
  return { ok: true, offset, limit };
}

export interface PageLinks {
  self: { href: string };
  next?: { href: string };
  prev?: { href: string };
}

/** HAL links of one page; `next` only when more records follow. */
export function pageLinks(collectionUrl: string, offset: number, limit: number, total: number): PageLinks {
  const href = (o: number) => `${collectionUrl}?offset=${o}&limit=${limit}`;
  const links: PageLinks = { self: { href: href(offset) } };
  if (offset + limit < total) links.next = { href: href(offset + limit) };
  if (offset > 0) links.prev = { href: href(Math.max(0, offset - limit)) };
  return links;
}

/** An ad as the API shows it (HAL: its own `_links.self`). */
export function presentAdvertisement(ad: Advertisement, collectionUrl: string) {
  return { ...ad, _links: { self: { href: `${collectionUrl}/${ad.itemId}` } } };
}
